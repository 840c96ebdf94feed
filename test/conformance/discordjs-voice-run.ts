// Conformance: the official @discordjs/voice client, known to work against real Discord, goes live
// on the simulated Discord under the simulator's `discord` profile. As the streaming account it joins
// the voice channel (main voice connection), creates a Go Live stream with op 18 + op 22, connects a
// second VoiceConnection to the stream server, completes DAVE on both with the simulator's external
// sender and plays Opus on the stream. Whatever the simulator then reports is a rule stricter than
// Discord (or a simulator bug): the list must be empty. Shared by `npm run conformance` and the test.
import { Readable } from 'node:stream';
import tls from 'node:tls';
import {
  AudioPlayerStatus,
  type CreateVoiceConnectionOptions,
  createAudioPlayer,
  createAudioResource,
  entersState,
  type JoinVoiceChannelOptions,
  joinVoiceChannel,
  StreamType,
  type VoiceConnection,
  VoiceConnectionStatus,
  version,
} from '@discordjs/voice';
import { startDiscordSim } from '../../sim/discord/index.ts';
import { startVoiceSim, type VoiceSim } from '../../sim/discord/voice/index.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { errorMessage } from '../../src/error-message.ts';
import { fromLavfi } from '../worker/golive/clip.ts';
import { type GoLiveStream, streamAdapter, voiceAdapter } from './discordjs-adapters.ts';
import { UserGateway } from './user-gateway.ts';

export interface ConformanceResult {
  readonly client: '@discordjs/voice';
  readonly clientVersion: string;
  /** Voice connections the client identified on the simulated voice servers (main voice + stream). */
  readonly connections: number;
  /** The simulator's DAVE group epoch on each connection when the audio ended (≥ 1: a group formed). */
  readonly daveEpoch: { readonly voice: number; readonly stream: number };
  /** Opus frames the client's audio player sent on the stream connection. */
  readonly framesSent: number;
  /** Frames the simulated viewer DAVE-decrypted. */
  readonly framesDecrypted: number;
  readonly decryptFailures: number;
  /** Audio the viewer received on the stream and could play (decrypted, or clear before DAVE), in ms. */
  readonly audioMsReceived: number;
  /** The simulator's divergences, verbatim. */
  readonly divergences: string[];
}

const OPUS_FRAME_MS = 20;
const STEP_TIMEOUT_MS = 15_000;

/** `seconds` of a 440 Hz tone as Ogg Opus in 20 ms packets (ffmpeg's libopus). */
function oggOpusTone(seconds: number): Buffer {
  return fromLavfi(`sine=frequency=440:sample_rate=48000:duration=${seconds}`, [
    '-c:a',
    'libopus',
    '-b:a',
    '64k',
    '-frame_duration',
    String(OPUS_FRAME_MS),
    '-f',
    'ogg',
    'pipe:1',
  ]);
}

/** @discordjs/voice dials wss:// only: its websocket must trust the simulator's certificate. */
function trustSimulator(voice: VoiceSim): void {
  if (!voice.certificate) throw new Error('the voice simulator was started without tls');
  if (typeof tls.setDefaultCACertificates !== 'function')
    throw new Error(
      `the conformance run needs Node ≥ 22.19 or ≥ 24.5 (tls.setDefaultCACertificates); this is ${process.version}`,
    );
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), voice.certificate]);
}

async function daveReady(
  voice: VoiceSim,
  connection: VoiceConnection,
  kind: 'voice' | 'stream',
): Promise<void> {
  await waitFor(
    `DAVE on the ${kind} connection`,
    () => connection.voicePrivacyCode && (groupEpoch(voice, kind) ?? 0) >= 1,
    STEP_TIMEOUT_MS,
  );
}

/** Waits for `promise`; on failure says which step of the run did not happen. */
async function step<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw new Error(`conformance: ${what} failed: ${errorMessage(error)}`, { cause: error });
  }
}

function groupEpoch(voice: VoiceSim, kind: 'voice' | 'stream'): number | null {
  const epoch = voice.sessions(kind)[0]?.credential.media.group?.epoch;
  return epoch === undefined ? null : Number(epoch);
}

export async function runDiscordjsVoiceConformance(
  options: { audioSeconds?: number } = {},
): Promise<ConformanceResult> {
  const audioSeconds = options.audioSeconds ?? 6;
  const ogg = oggOpusTone(audioSeconds);
  const discord = await startDiscordSim();
  const voice = await startVoiceSim({
    profile: 'discord',
    tls: true,
    mainGatewayDispatchesVoiceState: true,
    gatewayClients: (userId) => discord.gateway.clients({ userId }),
  });
  discord.gateway.addOpHandler(voice.opHandler);
  const connections: VoiceConnection[] = [];
  let gateway: UserGateway | null = null;
  try {
    trustSimulator(voice);
    const token = 'conformance-streamer-token-0123456789';
    discord.addUser({ username: 'conformance-streamer', token });
    gateway = await UserGateway.connect(discord.gatewayUrl, token);
    const { guildId } = discord;
    const channelId = discord.voiceChannel.id;

    /** Joins with the official client and waits until the connection and its DAVE group are ready. */
    const join = async (
      kind: 'voice' | 'stream',
      config: CreateVoiceConnectionOptions & JoinVoiceChannelOptions,
    ): Promise<VoiceConnection> => {
      const connection = joinVoiceChannel({ ...config, selfDeaf: false });
      connections.push(connection);
      await step(
        `the ${kind === 'voice' ? 'main voice' : 'stream'} connection reaching Ready`,
        entersState(connection, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS),
      );
      await daveReady(voice, connection, kind);
      return connection;
    };
    const main = await join('voice', {
      guildId,
      channelId,
      adapterCreator: voiceAdapter(gateway, guildId),
    });
    const stream = await step('going live (op 18)', goLive(gateway, guildId, channelId));
    const streamConnection = await join('stream', {
      guildId: stream.rtcServerId,
      channelId: stream.daveChannelId,
      group: 'go-live',
      adapterCreator: streamAdapter(gateway, stream),
    });

    const player = createAudioPlayer();
    const resource = createAudioResource(Readable.from([ogg]), { inputType: StreamType.OggOpus });
    streamConnection.subscribe(player);
    player.play(resource);
    await step('the audio starting', entersState(player, AudioPlayerStatus.Playing, STEP_TIMEOUT_MS));
    await step(
      'the audio ending',
      entersState(player, AudioPlayerStatus.Idle, audioSeconds * 1000 + STEP_TIMEOUT_MS),
    );
    const daveEpoch = { voice: groupEpoch(voice, 'voice') ?? 0, stream: groupEpoch(voice, 'stream') ?? 0 };
    const identified = voice.sessions().length;
    const streamSsrc = voice.sessions('stream')[0]?.ssrcs.audio;

    // Leaving: the stream adapter turns the stream connection's leave into op 19, then op 4 leaves voice.
    streamConnection.destroy();
    main.destroy();
    connections.length = 0;
    await waitFor('both connections to close', () => voice.connectedSessions().length === 0, STEP_TIMEOUT_MS);
    const playable = voice.viewer.audioFrames.filter(
      (frame) => frame.ssrc === streamSsrc && frame.outputPosition !== null,
    );
    return {
      client: '@discordjs/voice',
      clientVersion: version,
      connections: identified,
      daveEpoch,
      framesSent: Math.round(resource.playbackDuration / OPUS_FRAME_MS),
      framesDecrypted: voice.viewer.daveDecryptOk,
      decryptFailures: voice.viewer.daveDecryptFailed,
      audioMsReceived: playable.length * OPUS_FRAME_MS,
      divergences: [...voice.divergences],
    };
  } catch (error) {
    // What the simulator objected to is usually why the client got stuck.
    const seen = voice.divergences.length > 0 ? voice.divergences.join('\n  ') : '(none)';
    throw new Error(`${errorMessage(error)}\nthe simulator's divergences so far:\n  ${seen}`, {
      cause: error,
    });
  } finally {
    for (const connection of connections) connection.destroy();
    gateway?.close();
    await voice.stop();
    await discord.stop();
  }
}

/** Op 18, then op 22 (not paused) once it exists, as a streamer goes live; resolves with its credentials. */
async function goLive(gateway: UserGateway, guildId: string, channelId: string): Promise<GoLiveStream> {
  const streamKey = `guild:${guildId}:${channelId}:${gateway.userId}`;
  const ofThisStream = (data: Record<string, unknown>) => data.stream_key === streamKey;
  const created = gateway.next('STREAM_CREATE', ofThisStream, STEP_TIMEOUT_MS);
  const server = gateway.next('STREAM_SERVER_UPDATE', ofThisStream, STEP_TIMEOUT_MS);
  gateway.send(18, { type: 'guild', guild_id: guildId, channel_id: channelId, preferred_region: null });
  const [create, update] = await Promise.all([created, server]);
  gateway.send(22, { stream_key: streamKey, paused: false });
  const rtcServerId = String(create.rtc_server_id);
  return {
    streamKey,
    rtcServerId,
    daveChannelId:
      typeof create.rtc_channel_id === 'string'
        ? create.rtc_channel_id
        : (BigInt(rtcServerId) - 1n).toString(),
    endpoint: String(update.endpoint),
    token: String(update.token),
  };
}
