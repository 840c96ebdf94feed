// The states of one Go Live (protocol.md §1.4, §8) and what can be read off a state alone: which
// connections it holds, whether the Go Live is over, how it ended. The session in go-live.ts moves
// between them; these types and helpers hold no behaviour of their own.
import type { ConnectionKind, VoiceConnection } from './voice-connection.ts';

/**
 * What a recovery does: `voice`/`stream` make that connection afresh (spent session, server moved,
 * stall), `restart` rejoins from scratch after a main-session reset, `stream-outage` waits out a
 * STREAM_DELETE that said the stream is only unavailable.
 */
export type RecoveryKind = ConnectionKind | 'restart' | 'stream-outage';

export interface RecoveryCause {
  kind: RecoveryKind;
  reason: string;
}

/** How a Go Live ended. Only `failed` is reported to `onFatal`; `open` throws `failed-to-start`. */
export type GoLiveEnd =
  | { kind: 'closed'; reason: string }
  | { kind: 'failed-to-start'; error: Error }
  | { kind: 'failed'; error: Error };

export interface HeldConnections {
  voice: VoiceConnection | null;
  stream: VoiceConnection | null;
}

export type GoLiveState =
  /** Made, not opened yet. */
  | { status: 'idle' }
  /** Joining voice and creating the stream; frames offered now are dropped. */
  | ({ status: 'starting' } & HeldConnections)
  /** Frames flow to the stream connection. */
  | ({ status: 'live' } & HeldConnections)
  /** One recovery runs (others may be queued); frames still flow to a stream connection that is up. */
  | ({ status: 'recovering'; cause: RecoveryCause } & HeldConnections)
  /** The stop sequence runs; the connections are still held so it can use them. */
  | ({ status: 'closing'; end: GoLiveEnd } & HeldConnections)
  /** Over: nothing is held. */
  | { status: 'closed'; end: GoLiveEnd };

export type GoLiveStatus = GoLiveState['status'];

/** Live, whether or not a recovery runs: what Discord tells us now acts on the Go Live. */
export function isRunning(state: GoLiveState): boolean {
  return state.status === 'live' || state.status === 'recovering';
}

/** Closing or closed: nothing new starts, and what Discord says no longer matters. */
export function isOver(state: GoLiveState): boolean {
  return state.status === 'closing' || state.status === 'closed';
}

/** The connections a state holds; none in `idle` and `closed`. */
export function held(state: GoLiveState): HeldConnections {
  return 'voice' in state ? state : { voice: null, stream: null };
}

/** How it ended, as one line for the log. */
export function describeEnd(end: GoLiveEnd): string {
  return end.kind === 'closed' ? `closed: ${end.reason}` : `${end.kind}: ${end.error.message}`;
}
