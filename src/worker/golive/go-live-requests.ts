// What one Go Live asks of the main gateway (protocol.md §1.2): join and leave the voice channel,
// create, pause, ping and delete the stream. It remembers which requests still stand, so the stop
// sequence (§1.4) undoes only what is still ours: no op 19 for a stream Discord ended, no op 4 leave
// after a kick or a move.
import { type GoLiveDispatch, type MainGateway, MainOp } from './main-gateway.ts';

export interface GoLiveRequestsOptions {
  gateway: MainGateway;
  guildId: string;
  voiceChannelId: string;
  streamKey: string;
}

export class GoLiveRequests {
  readonly #gateway: MainGateway;
  readonly #guildId: string;
  readonly #voiceChannelId: string;
  readonly #streamKey: string;
  /** In a voice channel as far as we know: op 4 joined, and no voice state has shown us out since. */
  #inVoice = false;
  /** op 18 sent and no final STREAM_DELETE since. */
  #streamRequested = false;

  constructor(options: GoLiveRequestsOptions) {
    this.#gateway = options.gateway;
    this.#guildId = options.guildId;
    this.#voiceChannelId = options.voiceChannelId;
    this.#streamKey = options.streamKey;
  }

  /** Follows what Discord undid on its side: a voice state without us, a final STREAM_DELETE. */
  note(dispatch: GoLiveDispatch): void {
    if (dispatch.type === 'voice-state') this.#inVoice = dispatch.data.channel_id !== null;
    if (dispatch.type === 'stream-delete' && !dispatch.data.unavailable) this.#streamRequested = false;
  }

  /** op 4 into the voice channel: to join, and again for new voice credentials (§8.2 item 3). */
  joinVoice(): void {
    this.#sendVoiceState(this.#voiceChannelId);
  }

  /** op 4 leave, unless we are out of the channel already. */
  leaveVoice(): void {
    if (this.#inVoice) this.#sendVoiceState(null);
  }

  /** op 18, then op 22 with the current pause state (protocol.md §1.4 step 4). */
  createStream(paused: boolean): void {
    this.#streamRequested = true;
    this.#gateway.send(MainOp.streamCreate, {
      type: 'guild',
      guild_id: this.#guildId,
      channel_id: this.#voiceChannelId,
      preferred_region: null,
    });
    this.setPaused(paused);
  }

  /** op 22: viewers see the stream paused or playing (§8.5). */
  setPaused(paused: boolean): void {
    this.#gateway.send(MainOp.streamSetPaused, { stream_key: this.#streamKey, paused });
  }

  /** op 21: asks for new stream credentials when the stream connection's session is spent. */
  pingStream(): void {
    this.#gateway.send(MainOp.streamPing, { stream_key: this.#streamKey });
  }

  /** op 19, before the stream is created again. */
  deleteStream(): void {
    this.#gateway.send(MainOp.streamDelete, { stream_key: this.#streamKey });
  }

  /** op 19 in the stop sequence, unless Discord ended the stream already. */
  endStream(): void {
    if (this.#streamRequested) this.deleteStream();
  }

  #sendVoiceState(channelId: string | null): void {
    this.#inVoice = channelId !== null;
    this.#gateway.send(MainOp.voiceStateUpdate, {
      guild_id: this.#guildId,
      channel_id: channelId,
      self_mute: false,
      self_deaf: true,
      self_video: false,
    });
  }
}
