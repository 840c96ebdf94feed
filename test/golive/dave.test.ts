import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateP256Keypair } from '@snazzah/davey';
import { createLogger } from '../../src/logger.ts';
import { DaveChannel, DaveOp } from '../../src/worker/golive/dave.ts';

const log = createLogger({ level: 'silent' });

function channel() {
  const sent: Array<{ op: number; d?: unknown; payload?: Buffer }> = [];
  const dave = new DaveChannel(
    { userId: '800000000000000001', groupId: '900000000000000000', keyPair: generateP256Keypair() },
    { sendJson: (op, d) => sent.push({ op, d }), sendBinary: (op, payload) => sent.push({ op, payload }) },
    log,
  );
  return { dave, sent };
}

describe('DaveChannel', () => {
  test('version 0: frames pass through untouched', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(0);
    const frame = Buffer.from([1, 2, 3]);
    assert.deepEqual(dave.encryptAudio(frame), { kind: 'send', data: frame });
    assert.equal(sent.length, 0, 'no key package without DAVE');
  });

  test('version 1: a key package goes out at once, and nothing is sent in clear before the group is ready', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(1);
    assert.equal(sent[0]?.op, DaveOp.keyPackage);
    assert.ok((sent[0]?.payload?.length ?? 0) > 300, 'a serialized key package');
    assert.deepEqual(dave.encryptVideo(Buffer.from([0, 0, 0, 1, 0x65, 1])), {
      kind: 'drop',
      reason: 'not-ready',
    });
    assert.equal(dave.counters.droppedNotReady, 1);
  });

  test('binary frames before SESSION_DESCRIPTION wait for the session instead of being lost', () => {
    const { dave, sent } = channel();
    dave.onBinary(DaveOp.proposals, Buffer.from([0, 0]));
    assert.equal(sent.length, 0);
    dave.onSessionDescription(1);
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage],
      'the buffered proposals were processed (and refused: no group yet) without a commit',
    );
  });

  test('a sole-member reset (op 24 epoch 1) announces a fresh key package; transition 0 executes at once', () => {
    const { dave, sent } = channel();
    dave.onSessionDescription(1);
    dave.onPrepareEpoch(1, 1);
    assert.deepEqual(
      sent.map((message) => message.op),
      [DaveOp.keyPackage, DaveOp.keyPackage],
    );
    dave.onPrepareTransition(0, 1);
    assert.equal(sent.length, 2, 'transition 0 needs no ready-for-transition');
    dave.onPrepareTransition(5, 0);
    assert.deepEqual(sent.at(-1), { op: DaveOp.readyForTransition, d: { transition_id: 5 } });
    dave.onExecuteTransition(5);
    assert.equal(dave.active, false, 'downgraded: frames leave without DAVE');
  });
});
