// The two @discordjs/voice gateway adapters a Go Live streamer needs, over one main-gateway
// connection. The voice adapter is the ordinary one: op 4 out, VOICE_STATE_UPDATE and
// VOICE_SERVER_UPDATE in. The stream adapter maps a VoiceConnection onto a Go Live stream that
// op 18 already created (protocol.md §1.4, §1.5): its "guild" is rtc_server_id, its "channel" the
// stream's DAVE group id, its session the main gateway's; joining replays the stream's credentials,
// a later STREAM_SERVER_UPDATE reconnects it, and leaving becomes op 19.
import type { DiscordGatewayAdapterCreator, DiscordGatewayAdapterLibraryMethods } from '@discordjs/voice';
import type { UserGateway } from './user-gateway.ts';

type VoiceStateData = Parameters<DiscordGatewayAdapterLibraryMethods['onVoiceStateUpdate']>[0];
type VoiceServerData = Parameters<DiscordGatewayAdapterLibraryMethods['onVoiceServerUpdate']>[0];

const GatewayOp = { VoiceStateUpdate: 4, StreamDelete: 19 } as const;

export function voiceAdapter(gateway: UserGateway, guildId: string): DiscordGatewayAdapterCreator {
  return (library) => {
    const stop = gateway.onDispatch((event, data) => {
      if (data.guild_id !== guildId) return;
      if (event === 'VOICE_STATE_UPDATE' && data.user_id === gateway.userId)
        library.onVoiceStateUpdate(data as unknown as VoiceStateData);
      else if (event === 'VOICE_SERVER_UPDATE')
        library.onVoiceServerUpdate(data as unknown as VoiceServerData);
    });
    return {
      sendPayload(payload) {
        gateway.send(payload.op, payload.d);
        return true;
      },
      destroy: stop,
    };
  };
}

export interface GoLiveStream {
  readonly streamKey: string;
  readonly rtcServerId: string;
  /** The stream's DAVE group id: rtc_channel_id, or rtc_server_id − 1 when STREAM_CREATE omits it. */
  readonly daveChannelId: string;
  /** The first STREAM_SERVER_UPDATE's endpoint and token. */
  readonly endpoint: string;
  readonly token: string;
}

export function streamAdapter(gateway: UserGateway, stream: GoLiveStream): DiscordGatewayAdapterCreator {
  return (library) => {
    const serverUpdate = (endpoint: string, token: string) =>
      library.onVoiceServerUpdate({ guild_id: stream.rtcServerId, endpoint, token } as VoiceServerData);
    const stop = gateway.onDispatch((event, data) => {
      if (event !== 'STREAM_SERVER_UPDATE' || data.stream_key !== stream.streamKey) return;
      serverUpdate(String(data.endpoint), String(data.token));
    });
    return {
      sendPayload(payload) {
        if (payload.op !== GatewayOp.VoiceStateUpdate) return false;
        const { channel_id: channelId } = payload.d as { channel_id: string | null };
        if (channelId === null) {
          gateway.send(GatewayOp.StreamDelete, { stream_key: stream.streamKey });
          return true;
        }
        // Asynchronous, as a real gateway answers: the connection is not signalling yet on return.
        setImmediate(() => {
          library.onVoiceStateUpdate({
            guild_id: stream.rtcServerId,
            channel_id: stream.daveChannelId,
            user_id: gateway.userId,
            session_id: gateway.sessionId,
          } as VoiceStateData);
          serverUpdate(stream.endpoint, stream.token);
        });
        return true;
      },
      destroy: stop,
    };
  };
}
