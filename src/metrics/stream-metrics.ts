// Each party's stream figures as Prometheus families with a `party` label (the party's id), set from
// what its worker reported at scrape time. A worker counts from its own start, so a restarted worker
// starts again at 0: Prometheus reads that as a counter reset, and rate() stays right. The bot serves
// these today; a worker host can serve the same families for the sessions it runs.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SessionStats, StreamFigures } from '../worker-contract/http.ts';

/** One party's figures as its worker reported them; null when it did not answer in time. */
export interface PartyStats {
  sessionId: string;
  stats: SessionStats | null;
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
  }

  /** Replaces every party's figures: a party that has gone leaves no series behind. */
  set(parties: readonly PartyStats[]): void {
    for (const [, counter] of this.#counters) counter.reset();
    this.#viewers.reset();
    this.#daveEpoch.reset();
    this.#info.reset();
    let unanswered = 0;
    for (const { sessionId: party, stats } of parties) {
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
