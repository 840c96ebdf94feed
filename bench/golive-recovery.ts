// `npm run bench -- golive-recovery [--json]`: how long the Go Live transport takes to get the
// stream back after the faults a 2-hour film meets (issue #5: "after an injected 4015 close the
// stream resumes within 3 s"). A clip plays through the real sink into the simulator; each fault is
// injected while frames flow, and the clock stops when the stream connection is up again (resumed,
// or on the new server) and the viewer has received a frame sent after that.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VoiceSim } from '../sim/discord/voice/index.ts';
import { createLogger } from '../src/logger.ts';
import { type ClipSpec, clipFiles, loadClip, loopClip } from '../test/worker/golive/clip.ts';
import { endGoLive, openGoLive } from '../test/worker/golive/harness.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

const spec: ClipSpec = { seconds: 10, width: 640, height: 360, fps: 30, videoKbps: 1200 };
const ids = {
  userId: '800000000000000001',
  guildId: '700000000000000001',
  voiceChannelId: '700000000000000002',
};
const ROUNDS = 5;
const RESUME_TARGET_MS = 3_000;
/** A fault that has not recovered by then is reported as such, not waited on forever. */
const GIVE_UP_MS = 15_000;

interface Timings {
  medianMs: number;
  maxMs: number;
  samplesMs: number[];
}

export async function run(options: BenchOptions): Promise<void> {
  clipFiles(spec);
  const clip = loadClip(spec);
  const dir = mkdtempSync(join(tmpdir(), 'golive-recovery-'));
  const { voice, sink, fatal } = await openGoLive({
    sim: { outputDir: dir },
    ids,
    logger: createLogger({ level: 'silent', pretty: false }),
    video: { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 2000 },
  });
  const playing = new AbortController();
  const playback = loopClip(sink, clip, playing.signal);
  let resume: number[] = [];
  let move: number[] = [];
  try {
    await frameAfter(voice, performance.now());
    resume = await rounds(async () => {
      const session = voice.sessions('stream')[0]!;
      const resumed = session.resumes;
      const at = performance.now();
      voice.faults.closeConnection('stream', 4015);
      await until(() => session.resumes > resumed && session.connected, at);
      return (await frameAfter(voice, performance.now())) - at;
    });
    move = await rounds(async () => {
      const at = performance.now();
      await voice.faults.moveServer('stream');
      const server = voice.servers().at(-1)!.name;
      await until(() => voice.sessions('stream').some((s) => s.connected && s.server.name === server), at);
      return (await frameAfter(voice, performance.now())) - at;
    });
  } finally {
    await endGoLive(
      {
        voice,
        sink,
        stopPlaying: async () => {
          playing.abort();
          await playback;
        },
      },
      'bench finished',
    );
    rmSync(dir, { recursive: true, force: true });
  }

  const result = {
    resumeAfter4015: summary(resume),
    continueAfterServerMove: summary(move),
    resumeTargetMet: Math.max(...resume) <= RESUME_TARGET_MS,
    fatalErrors: fatal.length,
    divergences: voice.divergences.length,
  };
  console.table({
    [`4015 → stream back, median / max ms (target ≤ ${RESUME_TARGET_MS})`]: `${result.resumeAfter4015.medianMs} / ${result.resumeAfter4015.maxMs}`,
    'server move → frames from the new server, median / max ms': `${result.continueAfterServerMove.medianMs} / ${result.continueAfterServerMove.maxMs}`,
    'fatal errors': result.fatalErrors,
    'simulator divergences': result.divergences,
  });
  if (options.json) console.log(JSON.stringify(result));
}

async function rounds(measure: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    samples.push(await measure());
    await sleep(300); // let the stream settle before the next fault
  }
  return samples;
}

/** Resolves with the time the viewer received its first video frame after `since`. */
async function frameAfter(voice: VoiceSim, since: number): Promise<number> {
  const before = voice.viewer.videoFramesReceived;
  await until(() => voice.viewer.videoFramesReceived > before, since);
  return performance.now();
}

async function until(condition: () => boolean, since: number): Promise<void> {
  while (!condition()) {
    if (performance.now() - since > GIVE_UP_MS) throw new Error(`no recovery within ${GIVE_UP_MS / 1000} s`);
    await sleep(2);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function summary(samples: number[]): Timings {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    medianMs: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 1),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
    samplesMs: samples.map((ms) => round(ms, 1)),
  };
}
