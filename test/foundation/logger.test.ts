import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, registerSecrets, sessionLogger } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, pretty: false, level: 'debug' }) };
}

test('secrets are redacted from messages, fields, URLs and errors', () => {
  registerSecrets(['super-secret-bot-token-1234']);
  const { lines, logger } = capture();
  logger.info({ url: 'http://jf:8096/Videos/1/stream?static=true&ApiKey=abcdef123456&x=1' }, 'fetching');
  logger.info({ headers: { authorization: 'MediaBrowser Token="abc123def"' } }, 'with header');
  logger.error({ err: new Error('login failed for super-secret-bot-token-1234') }, 'oops');
  logger.warn('Bearer abcdefghijklmnop was refused');
  logger.info({ token: 'short' }, 'field named token');
  const output = lines.join('');
  for (const secret of [
    'abcdef123456',
    'abc123def',
    'super-secret-bot-token-1234',
    'abcdefghijklmnop',
    '"short"',
  ]) {
    assert.ok(!output.includes(secret), `${secret} leaked: ${output}`);
  }
  assert.match(output, /ApiKey=\[redacted\]&x=1/);
  assert.match(output, /login failed for \[redacted\]/);
});

test('a session logger tags every line with the session id', () => {
  const { lines, logger } = capture();
  sessionLogger(logger, 42).info('hello');
  assert.equal(JSON.parse(lines[0] ?? '{}').sessionId, '42');
});
