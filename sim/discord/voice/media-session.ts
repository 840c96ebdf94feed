// What the simulated Discord knows about one voice connection it invited a client to: the
// credentials it handed out (protocol.md §1.5), the media session (DAVE group + the viewer's member in it),
// and, for a Go Live stream, the stream's pause state.
import { type CommitterPolicy, DaveGroup } from './dave-group.ts';
import type { DivergenceLog } from './divergences.ts';
import type { StreamPause } from './stream-pause.ts';
import { ViewerDaveMember } from './viewer-member.ts';

export type ConnectionKind = 'voice' | 'stream';

/** One DAVE media session: a voice channel call, or one Go Live stream, on one voice server. */
export class MediaSession {
  /** Prefix of this session's divergence kinds: `voice` or `stream`. */
  readonly label: ConnectionKind;
  /** Resolves once the group exists (ts-mls set-up is asynchronous) and the viewer, if any, joined. */
  readonly ready: Promise<{ group: DaveGroup }>;
  #group: DaveGroup | null = null;
  #viewer: ViewerDaveMember | null = null;

  /**
   * @param daveChannelId the MLS group id: the voice channel, or rtc_channel_id (protocol.md §1.5).
   * @param viewerUserId the simulator's viewer, or null when it does not take part in this session.
   */
  constructor(
    label: ConnectionKind,
    daveChannelId: string,
    viewerUserId: string | null,
    log: DivergenceLog,
    policy: CommitterPolicy,
  ) {
    this.label = label;
    this.ready = DaveGroup.create(daveChannelId, log, label, policy).then((group) => {
      this.#group = group;
      if (viewerUserId) {
        this.#viewer = new ViewerDaveMember(viewerUserId, group, log, label);
        this.#viewer.join();
      }
      return { group };
    });
  }

  get group(): DaveGroup | null {
    return this.#group;
  }

  get viewer(): ViewerDaveMember | null {
    return this.#viewer;
  }

  close(): void {
    this.#group?.close();
  }
}

export interface VoiceCredential {
  readonly kind: ConnectionKind;
  /** IDENTIFY `server_id`: the guild id (voice) or rtc_server_id (stream). */
  readonly serverId: string;
  readonly userId: string;
  /** The main gateway session id the client must present on both connections. */
  readonly sessionId: string;
  token: string;
  readonly media: MediaSession;
  /** Present on stream credentials. */
  readonly stream: { readonly streamKey: string; readonly pause: StreamPause } | null;
  /** False once STREAM_DELETE, leaving voice or a server move revoked it: IDENTIFY is refused. */
  live: boolean;
  /** When the stream was deleted (op 19 or STREAM_DELETE): media after that is a divergence. */
  streamEndedAt: number | null;
}
