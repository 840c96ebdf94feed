// Each party's figures as Prometheus families with a `party` label (the party's id), set at scrape
// time: its stream's as its worker reported them, and its worker's CPU and memory as the process
// table shows them. A worker counts from its own start, so a restarted worker starts again at 0:
// Prometheus reads that as a counter reset, and rate() stays right. The bot serves these for every
// party (CPU and memory for the workers it runs itself), and a worker host for the sessions it runs.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProcessTreeUsage } from '../process-tree-usage.ts';
import type { SessionStats, StreamFigures } from '../worker-contract/http.ts';

/** A worker that takes longer is left out of this scrape, so one stuck worker cannot stall /metrics. */
export const WORKER_STATS_TIMEOUT_MS = 1_000;

/** One party's figures at a scrape. */
export interface PartyStats {
  sessionId: string;
  /** As its worker reported them; null when it did not answer in time. */
  stats: SessionStats | null;
  /** Its worker's process with its ffmpeg; null when the worker runs elsewhere (a worker host). */
  process: ProcessTreeUsage | null;
}

type CountedFigure = Exclude<keyof StreamFigures, 'sendPath' | 'daveEpoch' | 'viewers'>;

const counted: Record<CountedFigure, [name: string, help: string]> = {
  videoFramesSent: ['orb_stream_video_frames_sent_total', 'Video frames sent into the Go Live'],
  audioFramesSent: ['orb_stream_audio_frames_sent_total', 'Audio frames sent into the Go Live'],
  videoFramesDropped: [
    'orb_stream_video_frames_dropped_total',
    'Video frames that reached no viewer: no stream connection, waiting for a keyframe, DAVE not ready',
  ],
  packetsSent: ['orb_stream_packets_sent_total', 'UDP datagrams sent on the voice and stream connections'],
  bytesSent: ['orb_stream_bytes_sent_total', 'Bytes of those datagrams'],
  daveTransitions: ['orb_stream_dave_transitions_total', 'DAVE transitions executed (group changes)'],
  nacksReceived: ['orb_stream_nacks_received_total', 'Packets viewers asked for again (RTCP NACK)'],
  packetsRetransmitted: ['orb_stream_packets_retransmitted_total', 'Packets sent again (RTX)'],
  retransmitsRefused: [
    'orb_stream_retransmits_refused_total',
    'Asked-for packets not sent again: too old, asked too often, or over the budget',
  ],
  keyframeRequests: ['orb_stream_keyframe_requests_total', 'Keyframes viewers asked for (PLI, FIR)'],
  reconnects: ['orb_stream_reconnects_total', 'Go Live recoveries: reconnects, server moves, restarts'],
};

export class StreamMetrics {
  readonly #counters: [CountedFigure, Counter<'party'>][];
  readonly #viewers: Gauge<'party'>;
  readonly #daveEpoch: Gauge<'party'>;
  readonly #info: Gauge<'party' | 'encoder' | 'send_path'>;
  readonly #unanswered: Gauge;
  readonly #workerCpu: Counter<'party'>;
  readonly #workerMemory: Gauge<'party'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#counters = Object.entries(counted).map(([figure, [name, help]]) => [
      figure as CountedFigure,
      new Counter({ name, help, labelNames: ['party'], registers }),
    ]);
    this.#viewers = new Gauge({
      name: 'orb_stream_viewers',
      help: 'People watching the Go Live',
      labelNames: ['party'],
      registers,
    });
    this.#daveEpoch = new Gauge({
      name: 'orb_stream_dave_epoch',
      help: "The stream connection's DAVE epoch (absent while it sends without end-to-end encryption)",
      labelNames: ['party'],
      registers,
    });
    this.#info = new Gauge({
      name: 'orb_stream_info',
      help: 'Always 1: how the party streams (encoder: copy, x264, vaapi, nvenc, qsv, or none between items; send path)',
      labelNames: ['party', 'encoder', 'send_path'],
      registers,
    });
    this.#unanswered = new Gauge({
      name: 'orb_worker_stats_unanswered',
      help: 'Running stream workers that gave no figures for this scrape in time',
      registers,
    });
    this.#workerCpu = new Counter({
      name: 'orb_worker_cpu_seconds_total',
      help: "CPU seconds (user and system) of the party's stream worker and its ffmpeg since the worker started",
      labelNames: ['party'],
      registers,
    });
    this.#workerMemory = new Gauge({
      name: 'orb_worker_resident_memory_bytes',
      help: "Resident memory of the party's stream worker and its ffmpeg",
      labelNames: ['party'],
      registers,
    });
  }

  /** Replaces every party's figures: a party that has gone leaves no series behind. */
  set(parties: readonly PartyStats[]): void {
    for (const [, counter] of this.#counters) counter.reset();
    this.#viewers.reset();
    this.#daveEpoch.reset();
    this.#info.reset();
    this.#workerCpu.reset();
    this.#workerMemory.reset();
    let unanswered = 0;
    for (const { sessionId: party, stats, process } of parties) {
      // Read from outside the worker, so a worker that gave no figures still has these.
      if (process) {
        this.#workerCpu.inc({ party }, process.cpuSeconds);
        this.#workerMemory.set({ party }, process.residentBytes);
      }
      if (!stats) {
        unanswered += 1;
        continue;
      }
      const stream = stats.stream;
      this.#info.set({ party, encoder: stats.encoder ?? 'none', send_path: stream?.sendPath ?? 'none' }, 1);
      if (!stream) continue;
      for (const [figure, counter] of this.#counters) counter.inc({ party }, stream[figure]);
      this.#viewers.set({ party }, stream.viewers);
      if (stream.daveEpoch !== null) this.#daveEpoch.set({ party }, stream.daveEpoch);
    }
    this.#unanswered.set(unanswered);
  }
}
