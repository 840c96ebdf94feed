// The voice gateway's payloads are checked before the connection reads them: a missing or mistyped
// field is refused by name, never turned into "undefined" or NaN.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DaveOp } from '../../../src/worker/golive/dave.ts';
import { parseVoicePacket } from '../../../src/worker/golive/voice-payloads.ts';
import { VoiceOp } from '../../../src/worker/golive/voice-socket.ts';

const ready = {
  ssrc: 111,
  ip: '127.0.0.1',
  port: 50_000,
  modes: ['aead_aes256_gcm_rtpsize'],
  streams: [{ type: 'video', rid: '100', ssrc: 112, rtx_ssrc: 113, quality: 100, active: false }],
};

describe('voice gateway payloads', () => {
  test('READY without ip is refused with a message naming the field', () => {
    const { ip: _ip, ...withoutIp } = ready;
    const parsed = parseVoicePacket(VoiceOp.ready, withoutIp);
    assert.equal(parsed.kind, 'malformed');
    assert.match(parsed.kind === 'malformed' ? parsed.reason : '', /^malformed ready \(op 2\) .*: ip: /);
  });

  test('a well-formed READY is typed, its stream SSRCs included', () => {
    const parsed = parseVoicePacket(VoiceOp.ready, ready);
    assert.deepEqual(parsed, {
      kind: 'payload',
      payload: {
        op: VoiceOp.ready,
        d: {
          ssrc: 111,
          ip: '127.0.0.1',
          port: 50_000,
          modes: ready.modes,
          streams: [{ ssrc: 112, rtx_ssrc: 113 }],
        },
      },
    });
  });

  test('mistyped fields are refused, each by its path', () => {
    const cases: Array<[number, unknown, string]> = [
      [VoiceOp.hello, {}, 'heartbeat_interval'],
      [VoiceOp.ready, { ...ready, port: '50000' }, 'port'],
      [VoiceOp.ready, { ...ready, streams: [{ ssrc: 112 }] }, 'streams.0.rtx_ssrc'],
      [VoiceOp.sessionDescription, { mode: 'aead_aes256_gcm_rtpsize', secret_key: 'abc' }, 'secret_key'],
      [VoiceOp.clientsConnect, { user_ids: [42] }, 'user_ids.0'],
      [VoiceOp.clientDisconnect, null, 'd'],
      [DaveOp.prepareTransition, { transition_id: 3 }, 'protocol_version'],
      [DaveOp.executeTransition, { transition_id: 'x' }, 'transition_id'],
      [DaveOp.prepareEpoch, { protocol_version: 1 }, 'epoch'],
    ];
    for (const [op, d, field] of cases) {
      const parsed = parseVoicePacket(op, d);
      assert.equal(parsed.kind, 'malformed', `op ${op}`);
      assert.ok(
        parsed.kind === 'malformed' && parsed.reason.includes(`: ${field}: `),
        `op ${op}: ${JSON.stringify(parsed)}`,
      );
    }
  });

  test('ops the connection does not act on are ignored, not parsed', () => {
    assert.deepEqual(parseVoicePacket(VoiceOp.heartbeatAck, 'anything'), { kind: 'ignored' });
    assert.deepEqual(parseVoicePacket(VoiceOp.speaking, { user_id: 7 }), { kind: 'ignored' });
  });
});
