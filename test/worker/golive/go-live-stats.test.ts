// The Go Live's figures cover its whole run: the connections it replaced count as much as the live
// ones, and every counter a connection keeps (loss recovery's included) is carried through.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionTally } from '../../../src/worker/golive/go-live-stats.ts';
import type { VoiceConnection } from '../../../src/worker/golive/voice-connection.ts';

/** Just what the tally reads of a connection. */
function connection(
  counters: Partial<VoiceConnection['counters']>,
  dave: Partial<VoiceConnection['dave']['counters']>,
  packetsSent: number | null,
): VoiceConnection {
  return {
    counters,
    dave: { counters: dave },
    udpCounters: packetsSent === null ? null : { packetsSent, bytesSent: packetsSent * 1_000 },
  } as unknown as VoiceConnection;
}

describe('ConnectionTally', () => {
  test('sums retired and live connections, loss-recovery counters included', () => {
    const tally = new ConnectionTally();
    tally.retire(
      connection(
        { videoFramesSent: 100, audioFramesSent: 250, nacksReceived: 4, packetsRetransmitted: 3 },
        { encrypted: 350, encryptMicros: 700, droppedNotReady: 5, transitionsExecuted: 2 },
        900,
      ),
    );
    const live = connection(
      {
        videoFramesSent: 10,
        audioFramesSent: 25,
        nacksReceived: 1,
        packetsRetransmitted: 1,
        retransmittedBytes: 1_200,
        retransmitsRefused: 2,
        keyframeRequests: 1,
        feedbackRejected: 3,
      },
      { encrypted: 50, encryptMicros: 300, droppedEncryptFailed: 1, transitionsExecuted: 1 },
      80,
    );
    assert.deepEqual(tally.figures([live]), {
      videoFramesSent: 110,
      audioFramesSent: 275,
      daveDroppedNotReady: 5,
      daveDroppedEncryptFailed: 1,
      encryptMicrosPerFrame: 2.5,
      daveTransitions: 3,
      packetsSent: 980,
      bytesSent: 980_000,
      nacksReceived: 5,
      packetsRetransmitted: 4,
      retransmittedBytes: 1_200,
      retransmitsRefused: 2,
      keyframeRequests: 1,
      feedbackRejected: 3,
    });
  });

  test('asking twice does not count the retired connections twice; nothing sent is all zeros', () => {
    const tally = new ConnectionTally();
    assert.equal(tally.figures([]).encryptMicrosPerFrame, 0, 'no division by zero frames');
    tally.retire(connection({ videoFramesSent: 7 }, { encrypted: 7, encryptMicros: 7 }, null));
    tally.figures([]);
    assert.equal(tally.figures([]).videoFramesSent, 7);
    assert.equal(
      tally.figures([]).packetsSent,
      0,
      'a connection that closed itself has no UDP counters left',
    );
  });
});
