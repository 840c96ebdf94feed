// An operator's detail shown outside the log (a manager's private reply, the party's event history)
// loses every address first, and keeps everything else that says what went wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutAddresses } from '../../src/error-message.ts';

test('URLs, host:port pairs and IP addresses are replaced; times, routes and settings stay', () => {
  const cases: [string, string][] = [
    ['connect ECONNREFUSED 127.0.0.1:8096', 'connect ECONNREFUSED <address>'],
    ['jellyfin:8096 refused the connection', '<address> refused the connection'],
    ['cannot open http://127.0.0.1:44463/kq3Zx: Invalid data', 'cannot open <url>: Invalid data'],
    ['[::1]:44463 answered HTTP 401 Unauthorized', '<address> answered HTTP 401 Unauthorized'],
    ['no route to host 10.0.0.5', 'no route to host <address>'],
    ['the file ended early at 0:06 of 1:35:00', 'the file ended early at 0:06 of 1:35:00'],
    [
      'Jellyfin refused the API key (HTTP 401 on /Items). Set JELLYFIN_API_KEY.',
      'Jellyfin refused the API key (HTTP 401 on /Items). Set JELLYFIN_API_KEY.',
    ],
  ];
  for (const [text, expected] of cases) assert.equal(withoutAddresses(text), expected, text);
});
