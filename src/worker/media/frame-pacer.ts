// Sends frames to the sink at the moment they are due (audio may ride a little ahead with the video
// frame before it), against ONE media clock anchored on wall time with absolute deadlines (no
// setInterval drift). Audio is the master: its packets are placed on a sample-counted timeline
// (20 ms each; container times only reveal gaps) and video is placed on that timeline by its pts.
// When the source runs dry mid-segment (slow network) the clock holds instead of running ahead, so
// A/V stay together through stalls, pause, seek and long films.
import type { MediaSink } from '../media-sink.ts';
import { StarvationSignal } from './starvation-signal.ts';

export interface TimedFrame {
  kind: 'video' | 'audio';
  /** Position in the source, in milliseconds. */
  mediaMs: number;
  data: Buffer;
  keyframe: boolean;
}

/** The sink's continuous timeline, shared by every item and segment of a session. */
export interface SinkTimeline {
  lastOutputMs: number | null;
}

export interface FramePacerOptions {
  sink: MediaSink;
  timeline: SinkTimeline;
  hasAudio: boolean;
  /** Monotonic milliseconds; injectable so tests and benches can read the same clock. */
  now?: () => number;
  /** Media milliseconds per wall millisecond; tests play faster than real time (default 1). */
  rate?: number;
  /** Every queued frame has been sent and the source said it has no more. */
  onDrained(): void;
  /** Media queued ahead of the position, for backpressure on ffmpeg's stdout. */
  onBufferLevel(bufferedMs: number): void;
  /** The first frame of the item went out. */
  onFirstFrame(): void;
  /** Viewers have waited for the source longer than a blip (true), or frames flow again (false). */
  onStarved?(starved: boolean): void;
}

export const AUDIO_FRAME_MS = 20;
/** An audio timestamp this far from the sample count is a real gap, not ms rounding (19/20/21). */
const AUDIO_GAP_MS = 30;
/**
 * A new segment's first frames may come up to a few tens of ms before the frame that opened it
 * (audio before a copy-mode keyframe); this headroom keeps the sink's timeline monotonic.
 */
const SEGMENT_HEADROOM_MS = 100;
/**
 * A segment's clock starts once both audio and video have their first frame (ffmpeg may emit one a
 * few tens of ms before the other, and a clock started on one alone would send the other late), or
 * after this long, for sources where one of them starts much later.
 */
const PREROLL_WAIT_MS = 500;
/**
 * Audio due within this long goes out with the frame being sent now, so a 24–60 fps film wakes the
 * process once per video frame instead of once per frame of either kind (on a VM each wake-up costs
 * about 0.1 ms of CPU, a third of the transport's budget at 73 a second). Players buffer audio
 * anyway, and the frame says how early it is (`aheadMs`) so the sink's sender reports keep A/V sync
 * exact. 45 ms covers a 24 fps frame interval (41.7 ms). Video is never sent early: viewers render it
 * on arrival (the playout-delay extension asks for that).
 */
export const AUDIO_LEAD_MS = 45;
/**
 * Node's timers run on a whole-millisecond loop clock cached at the start of each loop turn, so one
 * can fire up to a millisecond before a fractional deadline. A video frame due within this is sent
 * now: otherwise the early tick would send only the audio riding ahead and wake again a millisecond
 * later for the video. (Audio's lead already covers it.)
 */
const TIMER_SLACK_MS = 2;

interface Segment {
  firstMediaMs: number | null;
  seenAudio: boolean;
  seenVideo: boolean;
  /** Waited long enough for the other kind's first frame; start with what is there. */
  prerollOver: boolean;
  outputBaseMs: number;
  nextAudioMs: number | null;
  awaitingKeyframe: boolean;
  ended: boolean;
}

/** A FIFO with O(1) shift for the hot path. */
class FrameQueue {
  #items: TimedFrame[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  peek(): TimedFrame | undefined {
    return this.#items[this.#head];
  }
  shift(): TimedFrame | undefined {
    const item = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  push(frame: TimedFrame): void {
    this.#items.push(frame);
  }
  last(): TimedFrame | undefined {
    return this.length > 0 ? this.#items[this.#items.length - 1] : undefined;
  }
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

export class FramePacer {
  readonly #options: FramePacerOptions;
  readonly #now: () => number;
  readonly #rate: number;
  readonly #audio = new FrameQueue();
  readonly #video = new FrameQueue();
  #segment: Segment;
  #anchor: { wallMs: number; mediaMs: number } | null = null;
  #paused = false;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #prerollTimer: NodeJS.Timeout | null = null;
  #positionMs: number;
  /** Where the audio sent so far ends: riding ahead, it can be up to AUDIO_LEAD_MS past the clock. */
  #audioSentUntilMs: number;
  #sentFirstFrame = false;
  readonly #starvation: StarvationSignal;

  constructor(options: FramePacerOptions, startMs: number) {
    this.#options = options;
    this.#starvation = new StarvationSignal((starved) => options.onStarved?.(starved));
    this.#now = options.now ?? (() => performance.now());
    this.#rate = options.rate ?? 1;
    this.#positionMs = startMs;
    this.#audioSentUntilMs = startMs;
    this.#segment = this.#newSegment();
  }

  /** The source position of what viewers last saw (holds while paused). */
  get positionMs(): number {
    return this.#positionMs;
  }

  /** Frames waiting for their moment. */
  get queuedFrames(): number {
    return this.#audio.length + this.#video.length;
  }

  /** Drops everything queued and starts over at `startMs` (a seek); the sink timeline continues. */
  startSegment(startMs: number): void {
    this.#audio.clear();
    this.#video.clear();
    this.#clearTimer();
    this.#anchor = null;
    this.#positionMs = startMs;
    this.#audioSentUntilMs = startMs;
    this.#segment = this.#newSegment();
    if (!this.#paused) this.#starvation.waiting();
  }

  push(frame: TimedFrame): void {
    if (this.#stopped) return;
    const segment = this.#segment;
    if (frame.kind === 'video') {
      if (segment.awaitingKeyframe && !frame.keyframe) return;
      segment.awaitingKeyframe = false;
      segment.seenVideo = true;
      this.#video.push(frame);
    } else {
      // Place audio on the sample-counted timeline; re-base only on a real gap.
      const expected = segment.nextAudioMs;
      const mediaMs =
        expected !== null && Math.abs(frame.mediaMs - expected) <= AUDIO_GAP_MS ? expected : frame.mediaMs;
      segment.nextAudioMs = mediaMs + AUDIO_FRAME_MS;
      segment.seenAudio = true;
      this.#audio.push({ ...frame, mediaMs });
    }
    segment.firstMediaMs ??= frame.mediaMs;
    if (!this.#paused && this.#anchor === null) this.#anchorAtHead();
    else if (!this.#paused && this.#timer === null) this.#schedule();
    this.#options.onBufferLevel(this.#bufferedMs());
  }

  /** The current segment's source has nothing more; once the queue drains the item is finished. */
  endSegment(): void {
    this.#segment.ended = true;
    if (!this.#paused && this.#anchor === null) this.#anchorAtHead();
    if (this.#audio.length === 0 && this.#video.length === 0 && !this.#paused) this.#finish();
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#clearTimer();
    this.#anchor = null;
    this.#starvation.satisfied();
    this.#options.sink.setPaused(true);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#options.sink.setPaused(false);
    this.#starvation.waiting();
    this.#anchorAtHead();
    if (this.#segment.ended && this.#audio.length === 0 && this.#video.length === 0) this.#finish();
  }

  /** Ends pacing for good; a paused sink is un-paused so the next item does not start "paused". */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clearTimer();
    this.#starvation.cancel();
    this.#audio.clear();
    this.#video.clear();
    if (this.#paused) this.#options.sink.setPaused(false);
  }

  #newSegment(): Segment {
    const last = this.#options.timeline.lastOutputMs;
    return {
      firstMediaMs: null,
      seenAudio: false,
      seenVideo: false,
      prerollOver: false,
      outputBaseMs: (last === null ? 0 : last + AUDIO_FRAME_MS) + SEGMENT_HEADROOM_MS,
      nextAudioMs: null,
      awaitingKeyframe: true,
      ended: false,
    };
  }

  #bufferedMs(): number {
    const newest = Math.max(this.#audio.last()?.mediaMs ?? 0, this.#video.last()?.mediaMs ?? 0);
    return Math.max(0, newest - this.#positionMs);
  }

  #nextDueMediaMs(): number | null {
    const audio = this.#audio.peek()?.mediaMs;
    const video = this.#video.peek()?.mediaMs;
    if (audio === undefined) return video ?? null;
    return video === undefined ? audio : Math.min(audio, video);
  }

  /** Starts the clock so the earliest queued frame is due now (once the segment's preroll is done). */
  #anchorAtHead(): void {
    const head = this.#nextDueMediaMs();
    if (head === null) return;
    const segment = this.#segment;
    const complete = segment.seenVideo && (segment.seenAudio || !this.#options.hasAudio);
    if (!complete && !segment.ended && !segment.prerollOver) {
      this.#prerollTimer ??= setTimeout(() => {
        this.#prerollTimer = null;
        segment.prerollOver = true;
        if (segment === this.#segment && !this.#paused && this.#anchor === null) this.#anchorAtHead();
      }, PREROLL_WAIT_MS);
      return;
    }
    this.#anchor = { wallMs: this.#now(), mediaMs: head };
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#anchor === null) return;
    const next = this.#nextDueMediaMs();
    if (next === null) return;
    const deadline = this.#anchor.wallMs + (next - this.#anchor.mediaMs) / this.#rate;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, deadline - this.#now()));
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#prerollTimer !== null) clearTimeout(this.#prerollTimer);
    this.#prerollTimer = null;
  }

  #tick(): void {
    this.#timer = null;
    if (this.#paused || this.#stopped || this.#anchor === null) return;
    const mediaNow = this.#anchor.mediaMs + (this.#now() - this.#anchor.wallMs) * this.#rate;
    const videoDueBy = mediaNow + TIMER_SLACK_MS * this.#rate;
    // In media order across both queues, so a late tick still sends audio and video interleaved.
    // Ties go to audio, the master; audio may go up to AUDIO_LEAD_MS early.
    for (;;) {
      const audio = this.#audio.peek();
      const video = this.#video.peek();
      const audioDue = audio !== undefined && audio.mediaMs <= mediaNow + AUDIO_LEAD_MS;
      const videoDue = video !== undefined && video.mediaMs <= videoDueBy;
      if (audioDue && (!videoDue || audio.mediaMs <= video.mediaMs))
        this.#send(this.#audio.shift()!, mediaNow);
      else if (videoDue) this.#send(this.#video.shift()!, mediaNow);
      else break;
    }
    this.#options.onBufferLevel(this.#bufferedMs());
    if (!this.#segment.ended && this.#audio.length === 0 && this.#video.length === 0) {
      // Starved: hold the clock until the source catches up rather than bursting later.
      this.#anchor = null;
      this.#starvation.waiting();
      return;
    }
    if (this.#segment.ended && this.#audio.length === 0 && this.#video.length === 0) {
      this.#finish();
      return;
    }
    this.#schedule();
  }

  #send(frame: TimedFrame, mediaNow: number): void {
    const segment = this.#segment;
    const firstMediaMs = segment.firstMediaMs ?? frame.mediaMs;
    const ptsMs = Math.round(segment.outputBaseMs + (frame.mediaMs - firstMediaMs));
    const timeline = this.#options.timeline;
    timeline.lastOutputMs = Math.max(timeline.lastOutputMs ?? ptsMs, ptsMs);
    if (frame.kind === 'audio') {
      const aheadMs = Math.max(0, Math.round(frame.mediaMs - mediaNow));
      this.#options.sink.sendAudio({ data: frame.data, ptsMs, aheadMs });
      this.#audioSentUntilMs = frame.mediaMs + AUDIO_FRAME_MS;
    } else {
      this.#options.sink.sendVideo({ data: frame.data, ptsMs, keyframe: frame.keyframe });
    }
    // What viewers have heard: the audio sent, except what rides ahead of the clock (not heard yet).
    this.#positionMs = this.#options.hasAudio
      ? Math.min(this.#audioSentUntilMs, mediaNow + AUDIO_FRAME_MS)
      : frame.mediaMs;
    this.#starvation.satisfied();
    if (!this.#sentFirstFrame) {
      this.#sentFirstFrame = true;
      this.#options.onFirstFrame();
    }
  }

  #finish(): void {
    if (this.#stopped) return;
    this.stop();
    this.#options.onDrained();
  }
}
