// The voice connection's state machine against a small loopback voice server that speaks just
// enough of v8 (no DAVE: version 0) to drive every transition and close code.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import {
  VoiceConnection,
  type VoiceConnectionStatus,
  voiceGatewayUrl,
} from '../../../src/worker/golive/voice-connection.ts';

interface Received {
  op: number;
  d: Record<string, unknown>;
}

class FakeVoiceServer {
  readonly wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  readonly udp: Socket = createSocket('udp4');
  readonly key = randomBytes(32);
  readonly received: Received[] = [];
  readonly datagrams: Buffer[] = [];
  sockets: WebSocket[] = [];
  discoveries = 0;
  seq = 10;
  /** RESUMEs to refuse (closed with 1011) before one is accepted. */
  refuseResumes = 0;
  /** Fields to change in READY; an undefined one is left out. */
  readyPatch: Record<string, unknown> = {};

  async start(): Promise<void> {
    await once(this.wss, 'listening');
    this.udp.bind(0, '127.0.0.1');
    await once(this.udp, 'listening');
    this.udp.on('message', (message, rinfo) => {
      if (message.length === 74 && message.readUInt16BE(0) === 1) {
        this.discoveries += 1;
        const reply = Buffer.alloc(74);
        reply.writeUInt16BE(2, 0);
        reply.writeUInt16BE(70, 2);
        reply.writeUInt32BE(message.readUInt32BE(4), 4);
        reply.write(rinfo.address, 8, 'ascii');
        reply.writeUInt16BE(rinfo.port, 72);
        this.udp.send(reply, rinfo.port, rinfo.address);
      } else this.datagrams.push(message);
    });
    this.wss.on('connection', (ws) => {
      this.sockets.push(ws);
      ws.send(JSON.stringify({ op: 8, d: { heartbeat_interval: 5000 } }));
      ws.on('message', (raw) => {
        const packet = JSON.parse(String(raw)) as Received;
        this.received.push(packet);
        if (packet.op === 0) {
          ws.send(
            JSON.stringify({
              op: 2,
              seq: ++this.seq,
              d: {
                ssrc: 111,
                ip: '127.0.0.1',
                port: (this.udp.address() as { port: number }).port,
                modes: ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'],
                streams: [
                  { type: 'video', rid: '100', ssrc: 112, rtx_ssrc: 113, quality: 100, active: false },
                ],
                ...this.readyPatch,
              },
            }),
          );
        } else if (packet.op === 1) {
          ws.send(
            JSON.stringify({
              op: 4,
              seq: ++this.seq,
              d: {
                mode: 'aead_aes256_gcm_rtpsize',
                secret_key: [...this.key],
                video_codec: 'H264',
                dave_protocol_version: 0,
              },
            }),
          );
        } else if (packet.op === 7) {
          if (this.refuseResumes > 0) {
            this.refuseResumes -= 1;
            ws.close(1011, 'not now');
          } else ws.send(JSON.stringify({ op: 9, d: null }));
        } else if (packet.op === 3) ws.send(JSON.stringify({ op: 6, d: { t: packet.d.t } }));
      });
    });
  }

  get endpoint(): string {
    return `127.0.0.1:${(this.wss.address() as { port: number }).port}`;
  }

  ops(op: number): Received[] {
    return this.received.filter((packet) => packet.op === op);
  }

  closeCurrent(code: number): void {
    this.sockets.at(-1)!.close(code, 'test');
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.udp.close();
    await new Promise((resolve) => this.wss.close(resolve));
  }
}

function until(connection: VoiceConnection, status: VoiceConnectionStatus): Promise<void> {
  return new Promise((resolve, reject) => {
    if (connection.status === status) return resolve();
    const timer = setTimeout(
      () => reject(new Error(`never reached ${status}, stuck in ${connection.status}`)),
      10_000,
    );
    connection.on('stateChange', (_from, to) => {
      if (to.status === status) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

const log = createLogger({ level: 'silent' });
let server: FakeVoiceServer;

function connect(): VoiceConnection {
  return new VoiceConnection({
    kind: 'stream',
    endpoint: server.endpoint,
    token: 'stream-token-abc',
    serverId: '900000000000000001',
    userId: '800000000000000001',
    sessionId: 'voice-session-1',
    daveGroupId: '900000000000000000',
    insecure: true,
    log,
  });
}

before(async () => {
  server = new FakeVoiceServer();
  await server.start();
});
after(() => server.stop());

describe('VoiceConnection', () => {
  test('identifies with video and DAVE, discovers its address, selects the AEAD mode and reaches ready', async () => {
    const connection = connect();
    await connection.whenReady(10_000);
    const identify = server.ops(0).at(-1)!.d;
    assert.deepEqual(identify, {
      server_id: '900000000000000001',
      user_id: '800000000000000001',
      session_id: 'voice-session-1',
      token: 'stream-token-abc',
      video: true,
      streams: [{ type: 'screen', rid: '100', quality: 100 }],
      max_dave_protocol_version: 1,
    });
    const select = server.ops(1).at(-1)!.d as {
      protocol: string;
      data: { mode: string; address: string };
      codecs: Array<{ name: string; payload_type: number }>;
    };
    assert.equal(select.protocol, 'udp');
    assert.equal(select.data.mode, 'aead_aes256_gcm_rtpsize');
    assert.equal(select.data.address, '127.0.0.1');
    assert.deepEqual(
      select.codecs.map((c) => [c.name, c.payload_type]),
      [
        ['opus', 120],
        ['H264', 101],
      ],
    );
    const offVideo = server.ops(12)[0]!.d;
    assert.deepEqual(offVideo, { audio_ssrc: 111, video_ssrc: 0, rtx_ssrc: 0, streams: [] });

    connection.setSpeaking(2);
    connection.announceVideo({ width: 1280, height: 720, fps: 30, maxBitrateKbps: 2500 });
    await waitFor(
      'the video op 12 and op 5 SPEAKING',
      () => server.ops(12).length >= 2 && server.ops(5).length >= 1,
    );
    const video = server.ops(12).at(-1)!.d as {
      video_ssrc: number;
      streams: Array<{ active: boolean; max_resolution: unknown }>;
    };
    assert.equal(video.video_ssrc, 112);
    assert.deepEqual(video.streams[0]!.max_resolution, { type: 'fixed', width: 1280, height: 720 });
    assert.deepEqual(server.ops(5).at(-1)!.d, { speaking: 2, delay: 0, ssrc: 111 });

    // Without DAVE (version 0) frames leave at once, but only from a keyframe on.
    assert.equal(connection.sendVideo(Buffer.from([0, 0, 0, 1, 0x41, 1, 2, 3]), 0, false), false);
    assert.equal(connection.sendVideo(Buffer.from([0, 0, 0, 1, 0x65, 1, 2, 3]), 33, true), true);
    await waitFor('a video datagram', () => server.datagrams.some((d) => d.readUInt32BE(8) === 112));
    connection.destroy();
    assert.equal(connection.status, 'closed');
  });

  test('4015 resumes on a new websocket with seq_ack, keeping UDP and the key', async () => {
    const connection = connect();
    await connection.whenReady(10_000);
    const discoveries = server.discoveries;
    const nonceBefore = connection.transportNonce;
    const seqBefore = server.seq;
    server.closeCurrent(4015);
    await until(connection, 'resuming');
    await until(connection, 'ready');
    const resume = server.ops(7).at(-1)!.d;
    assert.deepEqual(resume, {
      server_id: '900000000000000001',
      session_id: 'voice-session-1',
      token: 'stream-token-abc',
      seq_ack: seqBefore,
    });
    assert.equal(server.discoveries, discoveries, 'no new IP discovery after a resume');
    connection.sendVideo(Buffer.from([0, 0, 0, 1, 0x65, 9]), 0, true);
    assert.ok(connection.transportNonce > nonceBefore, 'the nonce counter keeps counting on the same key');
    connection.destroy();
  });

  test('a refused resume is tried again after a pause, and the session survives', async () => {
    const connection = connect();
    await connection.whenReady(10_000);
    const resumesBefore = server.ops(7).length;
    const discoveriesBefore = server.discoveries;
    server.refuseResumes = 1;
    server.closeCurrent(4015);
    await until(connection, 'resuming');
    await until(connection, 'ready');
    assert.equal(server.ops(7).length, resumesBefore + 2, 'one refused RESUME, one accepted');
    assert.equal(connection.status, 'ready');
    assert.equal(server.discoveries, discoveriesBefore, 'UDP stayed: no new IP discovery');
    connection.destroy();
  });

  for (const [code, kind] of [
    [4006, 'reconnect'],
    [4009, 'reconnect'],
    [4014, 'disconnected'],
    [4017, 'fatal'],
    [4004, 'fatal'],
  ] as const) {
    test(`${code} ends the connection with outcome ${kind} and nothing reconnects`, async () => {
      const connection = connect();
      await connection.whenReady(10_000);
      const sockets = server.sockets.length;
      server.closeCurrent(code);
      await until(connection, 'closed');
      const state = connection.state;
      assert.equal(state.status === 'closed' && state.outcome.kind, kind);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(server.sockets.length, sockets, 'no new websocket was opened');
    });
  }

  test('a READY without ip ends the connection as fatal, naming the field, and opens no UDP socket', async () => {
    server.readyPatch = { ip: undefined };
    const discoveries = server.discoveries;
    const connection = connect();
    try {
      await assert.rejects(
        connection.whenReady(10_000),
        /malformed ready \(op 2\) from the voice server: ip: /,
      );
      const state = connection.state;
      assert.equal(state.status === 'closed' && state.outcome.kind, 'fatal');
      assert.equal(server.discoveries, discoveries, 'no IP discovery towards "undefined"');
    } finally {
      server.readyPatch = {};
      connection.destroy();
    }
  });

  test('a deliberate destroy is not mistaken for a drop', async () => {
    const connection = connect();
    await connection.whenReady(10_000);
    const sockets = server.sockets.length;
    connection.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(server.sockets.length, sockets);
    const state = connection.state;
    assert.equal(state.status === 'closed' && state.outcome.kind, 'destroyed');
  });

  test('the voice gateway URL keeps the port, drops a scheme and uses wss:// in production', () => {
    assert.equal(
      voiceGatewayUrl('wss://c-fra01.discord.media:2083', false),
      'wss://c-fra01.discord.media:2083/?v=8',
    );
    assert.equal(voiceGatewayUrl('127.0.0.1:5000', true), 'ws://127.0.0.1:5000/?v=8');
  });
});
