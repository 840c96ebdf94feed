// A party's stream as the dashboard shows it: frames per second and bitrate over the last interval,
// the DAVE epoch, viewers and the stream's reconnects, from the figures the supervisor asks each
// worker for (the same ones /metrics reads), and the party's worker restarts, which the supervisor
// reports and the audit log keeps. The figures are running totals, so rates come from two samples.
import { z } from 'zod';

/** The part of a worker's figures the page shows (src/worker-contract/http.ts, sessionStatsSchema). */
export interface StreamStats {
  sessionId: string;
  stats: {
    encoder: string | null;
    stream: {
      videoFramesSent: number;
      bytesSent: number;
      daveEpoch: number | null;
      viewers: number;
      reconnects: number;
    } | null;
  } | null;
}

/** The supervisor's `streamStats`: every running party's figures, each within `timeoutMs`. */
export type StreamStatsSource = (timeoutMs: number) => Promise<readonly StreamStats[]>;

export const streamHealthSchema = z.object({
  framesPerSecond: z.number().nonnegative(),
  bitrateKbps: z.number().nonnegative(),
  daveEpoch: z.number().int().nullable(),
  viewers: z.number().int().nonnegative(),
  /** Times the running worker's stream to Discord was reconnected. */
  reconnects: z.number().int().nonnegative(),
  /** Times the party's worker was replaced after it died or stopped answering. */
  workerRestarts: z.number().int().nonnegative(),
  /** `copy`, or the encoder transcoding the picture. */
  encoder: z.string().nullable(),
});
export type StreamHealth = z.infer<typeof streamHealthSchema>;

const STATS_TIMEOUT_MS = 1_000;

export class StreamHealthSampler {
  readonly #source: StreamStatsSource;
  readonly #sessionId: string;
  readonly #workerRestarts: () => Promise<number>;
  #last: { at: number; frames: number; bytes: number } | null = null;

  constructor(source: StreamStatsSource, sessionId: number, workerRestarts: () => Promise<number>) {
    this.#source = source;
    this.#sessionId = String(sessionId);
    this.#workerRestarts = workerRestarts;
  }

  /** The stream now; null while the party has no open stream (or before a second sample). */
  async sample(now = Date.now()): Promise<StreamHealth | null> {
    const all = await this.#source(STATS_TIMEOUT_MS);
    const stats = all.find((party) => party.sessionId === this.#sessionId)?.stats ?? null;
    const stream = stats?.stream ?? null;
    if (stats === null || stream === null) {
      this.#last = null;
      return null;
    }
    const last = this.#last;
    this.#last = { at: now, frames: stream.videoFramesSent, bytes: stream.bytesSent };
    // A restarted worker counts from zero again: that interval has no rate.
    if (last === null || now <= last.at || stream.videoFramesSent < last.frames) return null;
    const seconds = (now - last.at) / 1000;
    return {
      framesPerSecond: Math.round((stream.videoFramesSent - last.frames) / seconds),
      bitrateKbps: Math.round(((stream.bytesSent - last.bytes) * 8) / 1000 / seconds),
      daveEpoch: stream.daveEpoch,
      viewers: stream.viewers,
      reconnects: stream.reconnects,
      workerRestarts: await this.#workerRestarts(),
      encoder: stats.encoder,
    };
  }
}
