// One websocket to the simulated voice gateway v8 (protocol.md §2): HELLO, heartbeats with seq_ack and a
// missed-heartbeat timeout, IDENTIFY with every identifier checked (protocol.md §1.5), RESUME, then the rest of
// the messages go to the VoiceSession the socket is bound to.
import { isDeepStrictEqual } from 'node:util';
import type { WebSocket } from 'ws';
import type { VoiceCredential } from './media-session.ts';
import { VoiceClose, VoiceOp } from './voice-opcodes.ts';
import type { VoiceServer } from './voice-server.ts';
import { isObject, VoiceSession } from './voice-session.ts';

const TRANSPORT_STREAMS = [{ type: 'screen', rid: '100', quality: 100 }];

/** One websocket to the voice gateway, before and after it is bound to a session. */
export class VoiceSocket {
  readonly ws: WebSocket;
  readonly server: VoiceServer;
  session: VoiceSession | null = null;
  /** Set when the server closes the socket, so the close handler knows whose close it was. */
  serverCloseCode: number | null = null;
  #watchdog: NodeJS.Timeout | null = null;

  constructor(server: VoiceServer, ws: WebSocket, version: string | null) {
    this.server = server;
    this.ws = ws;
    if (version !== '8') this.#record('ws-version', `connected with ?v=${version}, want ?v=8`);
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('close', (code) => this.#onClose(code));
    ws.on('error', () => {});
    this.#send({
      op: VoiceOp.Hello,
      d: { v: 8, heartbeat_interval: server.context.options.heartbeatIntervalMs },
    });
    this.#armWatchdog();
  }

  close(code: number, reason: string): void {
    this.serverCloseCode ??= code;
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason);
  }

  sendRaw(frame: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame);
  }

  #send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  #record(kind: string, detail: string): void {
    const label = this.session?.label ?? this.server.name;
    this.server.context.log.record(`${label}:${kind}`, detail);
  }

  #armWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    const limit = 3 * this.server.context.options.heartbeatIntervalMs + 2000;
    this.#watchdog = setTimeout(() => {
      this.#record('heartbeat', `no heartbeat for ${limit} ms (HELLO heartbeat_interval ${limit / 3} ms)`);
      this.session?.destroy(VoiceClose.SessionTimeout, 'session timeout');
      this.close(VoiceClose.SessionTimeout, 'session timeout');
    }, limit).unref();
  }

  #onClose(code: number): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.session?.onSocketClosed(this, this.serverCloseCode ?? code);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      if (!this.session) {
        this.close(VoiceClose.NotAuthenticated, 'not authenticated');
        return;
      }
      this.session.onBinary(data);
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      this.#record('json', 'a text frame that is not JSON');
      this.close(VoiceClose.DecodeError, 'decode error');
      return;
    }
    if (!isObject(message) || typeof message.op !== 'number') {
      this.#record('json', 'a message without a numeric op');
      this.close(VoiceClose.DecodeError, 'decode error');
      return;
    }
    const d = message.d;
    switch (message.op) {
      case VoiceOp.Heartbeat:
        this.#onHeartbeat(d);
        return;
      case VoiceOp.Identify:
        this.#onIdentify(d);
        return;
      case VoiceOp.Resume:
        this.#onResume(d);
        return;
      default:
        if (!this.session) {
          this.#record('not-authenticated', `op ${message.op} before IDENTIFY`);
          this.close(VoiceClose.NotAuthenticated, 'not authenticated');
          return;
        }
        this.session.onJson(message.op, d);
    }
  }

  #onHeartbeat(d: unknown): void {
    this.#armWatchdog();
    if (!isObject(d) || typeof d.t !== 'number') this.#record('heartbeat', 'op 3 d.t is not a number nonce');
    if (!isObject(d) || typeof d.seq_ack !== 'number')
      this.#record('heartbeat', 'op 3 without a numeric seq_ack (v8)');
    else this.session?.checkSeqAck(d.seq_ack as number);
    this.#send({ op: VoiceOp.HeartbeatAck, d: { t: isObject(d) ? d.t : null } });
  }

  #onIdentify(d: unknown): void {
    if (this.session) {
      this.#record('identify', 'IDENTIFY twice on one websocket');
      this.close(VoiceClose.AlreadyAuthenticated, 'already authenticated');
      return;
    }
    if (!isObject(d)) {
      this.#record('identify', 'op 0 d is not an object');
      this.close(VoiceClose.DecodeError, 'decode error');
      return;
    }
    const credential = this.#checkCredential(d, 'IDENTIFY');
    if (!credential) return;
    if (d.video !== true)
      this.#record(
        'identify-video',
        `IDENTIFY video ${JSON.stringify(d.video)}, want true (protocol.md §2.2)`,
      );
    if (!isDeepStrictEqual(d.streams, TRANSPORT_STREAMS)) {
      this.#record(
        'identify-streams',
        `IDENTIFY streams ${JSON.stringify(d.streams)}, want ${JSON.stringify(TRANSPORT_STREAMS)}`,
      );
    }
    const dave = d.max_dave_protocol_version;
    if (typeof dave !== 'number' || dave < 1) {
      this.#record('identify-dave', `IDENTIFY max_dave_protocol_version ${JSON.stringify(dave)}, want 1`);
      if (this.server.context.options.requireDave) {
        this.close(VoiceClose.DaveRequired, 'DAVE protocol required');
        return;
      }
    } else if (dave !== 1) {
      this.#record(
        'identify-dave',
        `IDENTIFY max_dave_protocol_version ${dave}, want 1 (davey DAVE_PROTOCOL_VERSION)`,
      );
    }
    for (const old of this.server.sessions) {
      const same =
        old.credential.serverId === credential.serverId && old.credential.userId === credential.userId;
      if (same) old.destroy(VoiceClose.Disconnected, 'replaced by a new IDENTIFY');
    }
    const session = new VoiceSession(this.server, credential, typeof dave === 'number' && dave >= 1);
    this.session = session;
    session.attach(this);
    session.start();
  }

  #onResume(d: unknown): void {
    if (this.session) {
      this.#record('resume', 'RESUME on an already authenticated websocket');
      this.close(VoiceClose.AlreadyAuthenticated, 'already authenticated');
      return;
    }
    if (!isObject(d)) {
      this.#record('resume', 'op 7 d is not an object');
      this.close(VoiceClose.DecodeError, 'decode error');
      return;
    }
    if (typeof d.seq_ack !== 'number') this.#record('resume', 'RESUME without a numeric seq_ack (v8)');
    const session = [...this.server.sessions].find(
      (s) => s.credential.serverId === d.server_id && s.credential.sessionId === d.session_id,
    );
    if (!session) {
      this.#record(
        'resume',
        `RESUME for server_id ${String(d.server_id)} / that session_id: no resumable session (closed for good); after 4006/4009 a client connects afresh instead of resuming`,
      );
      this.close(VoiceClose.SessionInvalid, 'session no longer valid');
      return;
    }
    if (d.token !== session.credential.token) {
      this.#record('resume', 'RESUME token is not the token this session identified with');
      this.close(VoiceClose.AuthenticationFailed, 'authentication failed');
      return;
    }
    this.session = session;
    session.attach(this);
    this.#send({ op: VoiceOp.Resumed, d: null });
    session.replayAfter(typeof d.seq_ack === 'number' ? d.seq_ack : -1);
  }

  /** Checks server_id, user_id, session_id and token (protocol.md §1.5); closes and returns null if wrong. */
  #checkCredential(d: Record<string, unknown>, what: string): VoiceCredential | null {
    const { server_id: serverId, user_id: userId, session_id: sessionId, token } = d;
    if (typeof serverId !== 'string' || typeof userId !== 'string') {
      this.#record('identify', `${what} server_id/user_id must be strings`);
      this.close(VoiceClose.DecodeError, 'decode error');
      return null;
    }
    const credential = this.server.context.credentialFor(this.server, serverId, userId);
    if (!credential) {
      this.#record(
        'identify-server-id',
        `${what} server_id ${serverId} / user_id ${userId}: this voice server holds no such server for that user (voice: the guild id; stream: STREAM_CREATE rtc_server_id)`,
      );
      this.close(VoiceClose.ServerNotFound, 'server not found');
      return null;
    }
    if (sessionId !== credential.sessionId) {
      this.#record(
        'identify-session-id',
        `${what} session_id is not the main gateway session id from VOICE_STATE_UPDATE`,
      );
      this.close(VoiceClose.SessionInvalid, 'session no longer valid');
      return null;
    }
    if (token !== credential.token) {
      this.#record(
        'identify-token',
        `${what} token is not the token of the latest ${credential.kind === 'voice' ? 'VOICE' : 'STREAM'}_SERVER_UPDATE`,
      );
      this.close(VoiceClose.AuthenticationFailed, 'authentication failed');
      return null;
    }
    if (!credential.live) {
      this.#record('identify-ended', `${what} for a ${credential.kind} connection that was already ended`);
      this.close(VoiceClose.Disconnected, 'disconnected');
      return null;
    }
    return credential;
  }
}
