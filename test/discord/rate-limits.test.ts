// With Discord's per-channel limit switched on in the simulator (5 message writes per 5 s), a party
// that changes many times a second keeps its panel current without ever being rate limited: edits
// are spaced and coalesced, and the last state is what the panel shows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultMinEditIntervalMs } from '../../src/interactions/panel-publisher.ts';
import { type DiscordDoor, embedText, openDiscordDoor } from './harness.ts';

describe('the now-playing panel under Discord rate limits', () => {
  let door: DiscordDoor;

  before(async () => {
    door = await openDiscordDoor({
      panelMinEditIntervalMs: defaultMinEditIntervalMs,
      channelMessageRateLimit: { limit: 5, windowMs: 5_000 },
    });
  });
  after(async () => {
    await door?.close();
  });

  test('a party changing ten times a second never draws a 429, and the panel ends on the latest state', async () => {
    const { sim, people, party } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'create', { media: 'movie-1' })
      .reply();
    const sessionId = String((await party.service.listSessions())[0]!.id);
    // The load itself, not a wait: ten changes a second for 3 s, more than two edit intervals, so
    // edits sent as they came (or spaced too tightly) would exceed 5 writes in the 5 s window.
    for (let tick = 1; tick <= 30; tick += 1) {
      party.workers.heartbeat(sessionId, tick * 60);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await sim.interactions.command({ user: people.owner }, 'watchparty', 'pause').reply();
    const panel = await door.panel((message) => embedText(message).includes('⏸️ Paused'), 10_000);
    assert.match(embedText(panel), /30:00 /);
    assert.deepEqual(
      sim.rest.failed().map((call) => `${call.method} ${call.path} ${call.status}`),
      [],
    );
  });
});
