// `npm run bench -- golive-floor [--json]`: what the Go Live transport's CPU cannot go below on this
// machine, measured rather than assumed. Two child processes run for 20 s each, like the transport
// in `golive`: one only wakes 30 times a second (a 30 fps stream's frame ticks), the other also
// sends, at each tick, the datagrams the transport would send for that frame of the `golive` clip
// (its real frames and Opus packets, packetized as the transport does) through the native sender to
// a receiver here. Nothing is packetized, sealed or DAVE-encrypted while it runs (the sizes are worked
// out before): that is the transport's own work.
// Add davey's share from `golive` (`daveCpuSecondsPerMediaSecond`) for the floor of the whole path.
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { H264Preparer } from '../src/worker/golive/h264.ts';
import { nativeMediaSend } from '../src/worker/golive/native-media-send.ts';
import { H264Packetizer, OpusPacketizer, type RtpPacket } from '../src/worker/golive/rtp.ts';
import { NONCE_SUFFIX_BYTES, TAG_BYTES } from '../src/worker/golive/transport-crypto.ts';
import { type ClipSpec, loadClip } from '../test/worker/golive/clip.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

const CHILD_FLAG = 'GOLIVE_FLOOR_CHILD';
const SECONDS = 20;
/** The `golive` benchmark's clip, so the sizes are the ones that bench sends. */
const spec: ClipSpec = { seconds: 60, width: 1920, height: 1080, fps: 30, videoKbps: 8000, grain: true };
/** sendBatch takes at most this many datagrams per call. */
const BATCH = 64;

type Mode = 'wake' | 'send';
type Measured = { cpuSecondsPerSecond: number; ticks: number; datagrams: number; bytes: number };

export async function run(options: BenchOptions): Promise<void> {
  if (!nativeMediaSend) throw new Error('golive-floor needs the native media sender (npm run build:native)');
  loadClip(spec); // generates and caches the clip before anything is timed
  const received = { datagrams: 0, bytes: 0 };
  const receiver = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  receiver.on('message', (message) => {
    received.datagrams += 1;
    received.bytes += message.length;
  });
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const port = receiver.address().port;
  const wake = await measure('wake', port);
  const send = await measure('send', port);
  receiver.close();

  const result = {
    wakeupsPerSecond: spec.fps,
    wakeOnlyCpuSecondsPerSecond: round(wake.cpuSecondsPerSecond, 4),
    wakeAndSendCpuSecondsPerSecond: round(send.cpuSecondsPerSecond, 4),
    sentMbitPerSecond: round((send.bytes * 8) / 1e6 / SECONDS, 2),
    datagramsPerSecond: Math.round(send.datagrams / SECONDS),
    receivedRatio: round(received.datagrams / Math.max(1, send.datagrams), 4),
  };
  console.table({
    'frame ticks per second': result.wakeupsPerSecond,
    'CPU-s/s: waking only': result.wakeOnlyCpuSecondsPerSecond,
    'CPU-s/s: waking and sending the clip': result.wakeAndSendCpuSecondsPerSecond,
    'Mbit/s sent': result.sentMbitPerSecond,
    'datagrams per second': result.datagramsPerSecond,
    'received by the loopback receiver': result.receivedRatio,
  });
  if (options.json) console.log(JSON.stringify(result));
}

async function measure(mode: Mode, port: number): Promise<Measured> {
  const child = fork(import.meta.filename, [], {
    env: { ...process.env, [CHILD_FLAG]: mode, GOLIVE_FLOOR_PORT: String(port) },
    stdio: 'inherit',
  });
  try {
    return await new Promise<Measured>((resolve, reject) => {
      child.on('message', (message: Measured) => resolve(message));
      child.on('exit', (code) => reject(new Error(`the ${mode} process exited early (${code})`)));
    });
  } finally {
    child.removeAllListeners('exit');
  }
}

/**
 * Each frame tick's datagrams, as big as the transport's: the clip's frames prepared and packetized
 * by the transport's own code (only DAVE's few bytes per frame are missing), sealed sizes, and the
 * Opus packets riding along. Their contents do not matter here, so they are views of one buffer.
 */
function tickDatagrams(): Buffer[][][] {
  const clip = loadClip(spec);
  const preparer = new H264Preparer();
  const video = new H264Packetizer(1);
  const audio = new OpusPacketizer(2);
  const filler = Buffer.alloc(64 * 1024);
  const sealed = (packet: RtpPacket): Buffer[] => [
    filler.subarray(0, packet.header.length + packet.body.length + TAG_BYTES + NONCE_SUFFIX_BYTES),
  ];
  const frameMs = 1000 / spec.fps;
  let audioAt = 0;
  return clip.video.map((frame) => {
    const datagrams: Buffer[][] = [];
    video.packetize(preparer.prepare(frame.data).data, frame.ptsMs, (packet) =>
      datagrams.push(sealed(packet)),
    );
    for (; audioAt < clip.audio.length && clip.audio[audioAt]!.ptsMs < frame.ptsMs + frameMs; audioAt += 1)
      datagrams.push(sealed(audio.packetize(clip.audio[audioAt]!.data, clip.audio[audioAt]!.ptsMs)));
    return datagrams;
  });
}

/** The child: a frame-tick loop on absolute deadlines, as the worker's FramePacer keeps. */
async function runChild(mode: Mode): Promise<void> {
  const module = nativeMediaSend!;
  const ticks = mode === 'send' ? tickDatagrams() : [];
  const socket = createSocket('udp4');
  const fd = module.openUdp4();
  await new Promise<void>((resolve) => socket.bind({ fd }, resolve));
  await new Promise<void>((resolve) =>
    socket.connect(Number(process.env.GOLIVE_FLOOR_PORT), '127.0.0.1', resolve),
  );
  const measured: Measured = { cpuSecondsPerSecond: 0, ticks: 0, datagrams: 0, bytes: 0 };
  const periodMs = 1000 / spec.fps;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const datagrams = ticks[measured.ticks % Math.max(1, ticks.length)] ?? [];
      for (let from = 0; from < datagrams.length; ) {
        const sent = module.sendBatch(fd, datagrams, from, Math.min(datagrams.length, from + BATCH));
        if (sent <= 0) break; // a full or failing socket: the rest of this tick is not counted as sent
        for (let index = from; index < from + sent; index += 1)
          measured.bytes += datagrams[index]![0]!.length;
        measured.datagrams += sent;
        from += sent;
      }
      measured.ticks += 1;
      const next = started + measured.ticks * periodMs;
      if (next - started >= SECONDS * 1000) resolve();
      else setTimeout(tick, Math.max(0, next - performance.now()));
    };
    setTimeout(tick, periodMs);
  });
  const cpu = process.cpuUsage(cpuBefore);
  measured.cpuSecondsPerSecond = (cpu.user + cpu.system) / 1e6 / ((performance.now() - started) / 1000);
  socket.close();
  process.send?.(measured);
  process.disconnect();
}

const childMode = process.env[CHILD_FLAG];
if (childMode === 'wake' || childMode === 'send') await runChild(childMode);
