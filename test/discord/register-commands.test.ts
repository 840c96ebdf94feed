// register-commands publishes /watchparty to one guild when a guild id is set and globally otherwise,
// and running it again changes nothing (same command, same id).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DiscordSim, startDiscordSim } from '../../sim/discord/index.ts';
import { registerCommands } from '../../src/discord/register-commands.ts';

describe('registerCommands', () => {
  let sim: DiscordSim;
  before(async () => {
    sim = await startDiscordSim();
  });
  after(async () => {
    await sim.stop();
  });

  const options = () => ({ token: sim.botToken, applicationId: sim.applicationId, apiBase: sim.baseUrl });

  test('guild-scoped with a guild id, global without, and idempotent', async () => {
    assert.deepEqual(await registerCommands({ ...options(), guildId: sim.guildId }), {
      scope: 'guild',
      names: ['watchparty'],
    });
    const first = sim.interactions.registeredCommands().find((command) => command.guildId === sim.guildId);
    await registerCommands({ ...options(), guildId: sim.guildId });
    const again = sim.interactions.registeredCommands().filter((command) => command.guildId === sim.guildId);
    assert.deepEqual(
      again.map((command) => command.id),
      [first?.id],
    );

    assert.deepEqual(await registerCommands(options()), { scope: 'global', names: ['watchparty'] });
    assert.ok(
      sim.rest.calls.some((call) => call.route === 'PUT /applications/:app/commands' && call.status === 200),
    );
  });

  test('a wrong token is refused with Discord’s error, not a hang', async () => {
    await assert.rejects(registerCommands({ ...options(), token: 'not-the-token' }), /401|Unauthorized/);
  });
});
