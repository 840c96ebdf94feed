// One simulated voice server: a voice gateway v8 websocket (ws://, or wss:// with a certificate)
// and a UDP media port, both on 127.0.0.1. Server moves start a second instance and point the client at it.
// The media port reads on a thread of its own (media-port.ts), so every datagram carries the time it
// arrived, not the time this thread got round to it.
import type { RemoteInfo } from 'node:dgram';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { DivergenceLog } from './divergences.ts';
import { type MediaPort, openMediaPort } from './media-port.ts';
import type { VoiceCredential } from './media-session.ts';
import { type NetworkConditions, NetworkPath } from './network-model.ts';
import type { Viewer } from './viewer.ts';
import type { VoiceConnectionOptions, VoiceSession } from './voice-session.ts';
import { VoiceSocket } from './voice-socket.ts';

const DISCOVERY_BYTES = 74;
const KEEPALIVE_BYTES = 8;
/** After a connection ends, its datagrams still in flight are not the client's fault for this long. */
const RETIRED_GRACE_MS = 1000;

export interface VoiceServerContext {
  readonly log: DivergenceLog;
  readonly viewer: Viewer;
  readonly options: VoiceConnectionOptions;
  /** The credential the simulated Discord issued for (server_id, user_id) on this server, if any. */
  credentialFor(server: VoiceServer, serverId: string, userId: string): VoiceCredential | undefined;
  /** The user's identified sessions on every server. */
  sessionsOf(userId: string): VoiceSession[];
}

export class VoiceServer {
  readonly name: string;
  readonly context: VoiceServerContext;
  readonly sessions = new Set<VoiceSession>();
  /** UDP datagrams dropped by fault injection. */
  droppedDatagrams = 0;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #udp: MediaPort;
  /** The UDP port, kept so a port closed by fault injection reopens where clients expect it. */
  #udpPort = 0;
  /** `refusing`: the port is closed by fault injection; `stopped`: the server is gone for good. */
  #udpState: 'open' | 'refusing' | 'stopped' = 'open';
  readonly #byAddress = new Map<string, VoiceSession>();
  /** Addresses of ended sessions, and when they ended. */
  readonly #retired = new Map<string, number>();
  #dropUntil = 0;
  /** The media path, client to server and back (discovery and keepalives bypass it). */
  #uplink = new NetworkPath();
  #downlink = new NetworkPath();

  private constructor(name: string, context: VoiceServerContext) {
    this.name = name;
    this.context = context;
    const upgradeRequired: RequestListener = (_req, res) => res.writeHead(426).end();
    const tls = context.options.tls;
    this.#http = tls ? createTlsServer(tls, upgradeRequired) : createServer(upgradeRequired);
    this.#wss = new WebSocketServer({ server: this.#http });
    this.#udp = openMediaPort(
      context.options.mediaPort,
      (datagram, remote, arrivedAtMs) => this.#onDatagram(datagram, remote, arrivedAtMs),
      (message) => context.log.record(`${name}:sim-error`, `simulator media port: ${message}`),
    );
    this.#wss.on('connection', (ws, request) => {
      const version = new URL(request.url ?? '/', 'ws://sim').searchParams.get('v');
      new VoiceSocket(this, ws, version);
    });
  }

  static async start(name: string, context: VoiceServerContext): Promise<VoiceServer> {
    const server = new VoiceServer(name, context);
    await new Promise<void>((resolve) => server.#http.listen(0, '127.0.0.1', resolve));
    server.#udpPort = await server.#udp.bind(0);
    return server;
  }

  /** `host:port` as Discord puts it in *_SERVER_UPDATE (no scheme: wss:// with a certificate, else ws://). */
  get endpoint(): string {
    return `127.0.0.1:${(this.#http.address() as AddressInfo).port}`;
  }

  get udpPort(): number {
    return this.#udpPort;
  }

  /** Drops every UDP datagram (media, discovery, keepalive) for `ms`. */
  dropUdpFor(ms: number): void {
    this.#dropUntil = Date.now() + ms;
  }

  /**
   * Closes the UDP port for `ms`, then opens it again on the same number: meanwhile the kernel
   * answers every datagram with ICMP port unreachable, as for a media server that went away.
   */
  refuseUdpFor(ms: number): void {
    if (this.#udpState !== 'open') return;
    this.#udpState = 'refusing';
    void this.#udp.close();
    setTimeout(() => {
      if (this.#udpState !== 'refusing') return;
      this.#udp.bind(this.#udpPort).then(
        () => {
          if (this.#udpState === 'refusing') this.#udpState = 'open';
        },
        (error: Error) => this.context.log.record(`${this.name}:sim-error`, error.message),
      );
    }, ms).unref();
  }

  /** From now on, media datagrams cross networks with these conditions (each direction its own). */
  setNetwork(network: { uplink?: NetworkConditions; downlink?: NetworkConditions }): void {
    // The old paths keep delivering what is already in flight on them.
    this.#uplink = new NetworkPath(network.uplink);
    this.#downlink = new NetworkPath(network.downlink);
  }

  get uplinkImpaired(): boolean {
    return this.#uplink.impaired;
  }

  networkCounters(): { uplink: NetworkPath['counters']; downlink: NetworkPath['counters'] } {
    return { uplink: this.#uplink.counters, downlink: this.#downlink.counters };
  }

  sendToClient(datagram: Buffer, to: { address: string; port: number }): void {
    this.#downlink.send(datagram, () => this.sendUdp(datagram, to.address, to.port));
  }

  sendUdp(datagram: Buffer, address: string, port: number): void {
    if (this.#udpState === 'open') this.#udp.send(datagram, port, address);
  }

  /** The session ended: its UDP address is no longer served (packets already in flight are forgiven). */
  forgetAddress(session: VoiceSession): void {
    for (const [address, owner] of this.#byAddress) {
      if (owner !== session) continue;
      this.#byAddress.delete(address);
      this.#retired.set(address, Date.now());
    }
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.destroy(1001, 'simulator stopping');
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#udpState = 'stopped';
    this.#uplink.close();
    this.#downlink.close();
    await this.#udp.stop();
  }

  #onDatagram(datagram: Buffer, remote: Pick<RemoteInfo, 'address' | 'port'>, arrivedAtMs: number): void {
    const address = `${remote.address}:${remote.port}`;
    const session = this.#byAddress.get(address);
    // A keepalive the client sent counts as sent even when the fault drops it: the check is on the client.
    if (datagram.length === KEEPALIVE_BYTES) session?.onKeepalive(datagram);
    if (arrivedAtMs < this.#dropUntil) {
      this.droppedDatagrams++;
      session?.receiver.noteDropped();
      return;
    }
    if (datagram.length === DISCOVERY_BYTES && datagram.readUInt16BE(0) === 1) {
      this.#onDiscovery(datagram, remote, address, arrivedAtMs);
      return;
    }
    if (!session) {
      this.#unowned(
        address,
        arrivedAtMs,
        'udp-unknown-source',
        `datagram from ${address}, which did no IP discovery`,
      );
      return;
    }
    if (datagram.length === KEEPALIVE_BYTES) return;
    const uplink = this.#uplink;
    uplink.send(
      datagram,
      // A datagram the network model held back arrives when the model lets it go.
      () => session.receiver.receive(datagram, uplink.impaired ? Date.now() : arrivedAtMs),
      () => session.receiver.noteLost(datagram),
    );
  }

  /** A datagram no session owns: forgiven while in flight from a just-ended connection, else recorded. */
  #unowned(address: string, arrivedAtMs: number, kind: string, detail: string): void {
    const retiredAt = this.#retired.get(address);
    if (retiredAt === undefined) this.context.log.record(`${this.name}:${kind}`, detail);
    else if (arrivedAtMs - retiredAt >= RETIRED_GRACE_MS) {
      this.context.log.record(
        `${this.name}:udp-after-end`,
        `datagrams from ${address} after its connection ended`,
      );
    }
  }

  /** protocol.md §3.1: type 1, length 70, the connection's audio SSRC; answered with type 2 and the address. */
  #onDiscovery(
    datagram: Buffer,
    remote: Pick<RemoteInfo, 'address' | 'port'>,
    address: string,
    arrivedAtMs: number,
  ): void {
    const ssrc = datagram.readUInt32BE(4);
    const session = [...this.sessions].find((candidate) => candidate.ssrcs.audio === ssrc);
    if (datagram.readUInt16BE(2) !== 70) {
      this.context.log.record(
        `${this.name}:ip-discovery`,
        `length field ${datagram.readUInt16BE(2)}, want 70`,
      );
    }
    if (!session) {
      this.#unowned(address, arrivedAtMs, 'ip-discovery', `SSRC ${ssrc} is no connection's READY ssrc`);
      return;
    }
    if (datagram.subarray(8).some((byte) => byte !== 0)) {
      session.record('ip-discovery', 'request bytes 8-73 are not zero');
    }
    this.forgetAddress(session);
    this.#byAddress.set(address, session);
    session.onDiscovered(remote.address, remote.port);
    this.sendUdp(ipDiscoveryAnswer(ssrc, remote.address, remote.port), remote.address, remote.port);
  }
}

/** protocol.md §3.1's answer: type 2, length 70, the SSRC, the address as NUL-padded ASCII, the port. */
export function ipDiscoveryAnswer(ssrc: number, address: string, port: number): Buffer {
  const answer = Buffer.alloc(DISCOVERY_BYTES);
  answer.writeUInt16BE(2, 0);
  answer.writeUInt16BE(70, 2);
  answer.writeUInt32BE(ssrc, 4);
  answer.write(address, 8, 'ascii');
  answer.writeUInt16BE(port, 72);
  return answer;
}
