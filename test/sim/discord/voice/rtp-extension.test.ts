import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  extensionElements,
  MediaPacketError,
  orbTransportExtensionProblem,
  playoutDelayMs,
  type RtpPacket,
} from '../../../../sim/discord/voice/rtp-packet.ts';

/** A received packet whose extension block (after the preamble) is `hex`, or one without (null). */
function received(hex: string | null, profile = 0xbede): RtpPacket {
  return {
    marker: false,
    payloadType: 101,
    sequence: 1,
    timestamp: 0,
    ssrc: 1,
    nonce: 1,
    extension: hex === null ? null : Buffer.from(hex, 'hex'),
    extensionProfile: hex === null ? null : profile,
    payload: Buffer.from([0x41]),
  };
}

test('Discord takes what the clients known to work send: no extension, or any well-formed block', () => {
  const accepted = {
    '@discordjs/voice (no extension)': received(null),
    'Discord-video-stream 6, video': received('5200000a'),
    'Discord-video-stream 6, audio': received('52000001'),
    'Discord-video-stream 5 (a 2-byte element)': received('51000000'),
    'two elements with padding': received('10ff00005200000a'),
    'the two-byte-header form': received('0503000000000000', 0x1000),
    'an RFC 3550 profile a receiver skips': received('deadbeef', 0x1234),
  };
  for (const [name, packet] of Object.entries(accepted))
    assert.doesNotThrow(() => extensionElements(packet), name);
  assert.deepEqual(
    extensionElements(received('10ff00005200000a')).map((e) => [e.id, e.data.toString('hex')]),
    [
      [1, 'ff'],
      [5, '00000a'],
    ],
  );
});

test('an element that runs past its block is malformed, in either form', () => {
  assert.throws(() => extensionElements(received('5f000000')), MediaPacketError);
  assert.throws(() => extensionElements(received('05090000', 0x1000)), /claims 9 bytes/);
  assert.throws(() => extensionElements(received('00000005', 0x1000)), /no length byte/);
});

test('playout delay reads as min and max in 10 ms steps; an element of another size is ignored', () => {
  assert.deepEqual(playoutDelayMs(received('5200000a')), { min: 0, max: 100 });
  assert.deepEqual(playoutDelayMs(received('52019064')), { min: 250, max: 1000 });
  assert.equal(playoutDelayMs(received('51000000')), null);
  assert.equal(playoutDelayMs(received(null)), null);
});

test('the orb-transport rule wants exactly DVS 6’s form and catches what we used to send', () => {
  assert.equal(orbTransportExtensionProblem(received('5200000a'), 'video'), null);
  assert.equal(orbTransportExtensionProblem(received('52000001'), 'audio'), null);
  assert.equal(
    orbTransportExtensionProblem(received('52000000'), 'video'),
    'video playout delay 0-0 ms, want 0-100 ms',
  );
  assert.match(
    orbTransportExtensionProblem(received(null), 'audio') ?? '',
    /audio packet without one 0xBEDE word/,
  );
  assert.match(orbTransportExtensionProblem(received('51000000'), 'video') ?? '', /extension 51000000/);
});
