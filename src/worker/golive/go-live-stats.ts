// What the connections of one Go Live have done, summed over its whole run: the connections it
// replaced (reconnects, moves, restarts) and the ones alive now. Every numeric counter a connection
// keeps is summed by name, so a counter added to a connection shows up here without a change.
import type { DaveCounters } from './dave.ts';
import { type LossRecoveryCounters, newLossRecoveryCounters } from './loss-recovery.ts';
import type { ConnectionCounters, VoiceConnection } from './voice-connection.ts';

/** The transport's figures for the stats; the session adds its own (status, offers, viewers). */
/** Loss recovery's counters (NACKs, RTX, keyframe requests: protocol.md §4.8) come as they are. */
export interface ConnectionFigures extends LossRecoveryCounters {
  videoFramesSent: number;
  audioFramesSent: number;
  daveDroppedNotReady: number;
  daveDroppedEncryptFailed: number;
  encryptMicrosPerFrame: number;
  daveTransitions: number;
  packetsSent: number;
  bytesSent: number;
}

type Sums = Record<string, number>;

interface ConnectionSums {
  connection: Sums;
  dave: Sums;
  packetsSent: number;
  bytesSent: number;
}

export class ConnectionTally {
  /** Counters of connections that were replaced, so the figures cover the whole run. */
  readonly #retired: ConnectionSums = { connection: {}, dave: {}, packetsSent: 0, bytesSent: 0 };

  /** Keeps a connection's counters before it is destroyed. */
  retire(connection: VoiceConnection): void {
    addConnection(this.#retired, connection);
  }

  figures(live: readonly VoiceConnection[]): ConnectionFigures {
    const sums: ConnectionSums = {
      connection: { ...this.#retired.connection },
      dave: { ...this.#retired.dave },
      packetsSent: this.#retired.packetsSent,
      bytesSent: this.#retired.bytesSent,
    };
    for (const connection of live) addConnection(sums, connection);
    const counter = (name: keyof ConnectionCounters): number => sums.connection[name] ?? 0;
    const dave = (name: keyof DaveCounters): number => sums.dave[name] ?? 0;
    const encrypted = dave('encrypted');
    return {
      videoFramesSent: counter('videoFramesSent'),
      audioFramesSent: counter('audioFramesSent'),
      daveDroppedNotReady: dave('droppedNotReady'),
      daveDroppedEncryptFailed: dave('droppedEncryptFailed'),
      encryptMicrosPerFrame: encrypted === 0 ? 0 : dave('encryptMicros') / encrypted,
      daveTransitions: dave('transitionsExecuted'),
      packetsSent: sums.packetsSent,
      bytesSent: sums.bytesSent,
      ...lossRecovery(counter),
    };
  }
}

function lossRecovery(counter: (name: keyof LossRecoveryCounters) => number): LossRecoveryCounters {
  const figures = newLossRecoveryCounters();
  for (const name of Object.keys(figures) as Array<keyof LossRecoveryCounters>) figures[name] = counter(name);
  return figures;
}

function addConnection(into: ConnectionSums, connection: VoiceConnection): void {
  addCounters(into.connection, connection.counters);
  addCounters(into.dave, connection.dave.counters);
  into.packetsSent += connection.udpCounters?.packetsSent ?? 0;
  into.bytesSent += connection.udpCounters?.bytesSent ?? 0;
}

function addCounters(into: Sums, counters: object): void {
  for (const [name, value] of Object.entries(counters)) {
    if (typeof value === 'number') into[name] = (into[name] ?? 0) + value;
  }
}
