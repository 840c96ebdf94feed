import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WatchPartyError } from '../../src/watchparty/errors.ts';
import { type Actor, type PartyAction, PermissionPolicy } from '../../src/watchparty/permissions.ts';
import {
  DJ_ROLE_ID,
  member,
  OTHER_VOICE_CHANNEL_ID,
  OWNER_ID,
  VOICE_CHANNEL_ID,
} from '../support/watch-party.ts';

const session = { voice_channel_id: VOICE_CHANNEL_ID, owner_user_id: OWNER_ID };
const policy = new PermissionPolicy({ djRoleId: DJ_ROLE_ID });
const controls: PartyAction[] = ['pause', 'resume', 'seek', 'skip', 'stop', 'remove', 'move', 'clear'];

const listener = member('600000000000000001');
const outsider = member('600000000000000002', { voiceChannelId: OTHER_VOICE_CHANNEL_ID });
const ownerInChannel = member(OWNER_ID);
const ownerOutside = member(OWNER_ID, { voiceChannelId: null });
const dj = member('600000000000000003', { roleIds: [DJ_ROLE_ID] });
const djOutside = member('600000000000000003', { roleIds: [DJ_ROLE_ID], voiceChannelId: null });
const moderatorOutside = member('600000000000000004', { voiceChannelId: null, canManageChannels: true });

function refusal(actor: Actor, action: PartyAction): string | null {
  try {
    policy.assertAllowed(actor, session, action);
    return null;
  } catch (error) {
    assert.ok(error instanceof WatchPartyError);
    assert.equal(error.code, 'forbidden');
    return error.message;
  }
}

describe('permission policy', () => {
  test('anyone in the voice channel may queue and start', () => {
    assert.equal(refusal(listener, 'queue'), null);
    assert.equal(refusal(listener, 'start'), null);
  });

  test('someone outside the voice channel may not queue, and is told to join', () => {
    assert.match(refusal(outsider, 'queue') ?? '', new RegExp(`Join .*<#${VOICE_CHANNEL_ID}>`));
  });

  for (const action of controls) {
    test(`${action}: a listener without rights is refused with who can`, () => {
      const message = refusal(listener, action) ?? '';
      assert.match(message, new RegExp(`owner <@${OWNER_ID}>`));
      assert.match(message, new RegExp(`<@&${DJ_ROLE_ID}>`));
      assert.match(message, /Manage Channels/);
    });
    test(`${action}: owner and DJ in the channel may, outside they may not`, () => {
      assert.equal(refusal(ownerInChannel, action), null);
      assert.equal(refusal(dj, action), null);
      assert.match(refusal(ownerOutside, action) ?? '', /Join the party's voice channel/);
      assert.match(refusal(djOutside, action) ?? '', /Join the party's voice channel/);
    });
    test(`${action}: moderators, the API and the bot may from anywhere`, () => {
      assert.equal(refusal(moderatorOutside, action), null);
      assert.equal(refusal({ kind: 'api', label: 'ops' }, action), null);
      assert.equal(refusal({ kind: 'system' }, action), null);
    });
  }

  test('without a DJ role configured, a role grants nothing and the message does not mention one', () => {
    const plain = new PermissionPolicy();
    assert.throws(
      () => plain.assertAllowed(dj, session, 'skip'),
      (error: unknown) => error instanceof WatchPartyError && !error.message.includes('<@&'),
    );
  });

  test('a party can be created in the channel you are in, or anywhere with Manage Channels', () => {
    assert.doesNotThrow(() => policy.assertMayCreate(listener, VOICE_CHANNEL_ID));
    assert.doesNotThrow(() => policy.assertMayCreate(moderatorOutside, VOICE_CHANNEL_ID));
    assert.throws(() => policy.assertMayCreate(outsider, VOICE_CHANNEL_ID), /Join <#/);
  });
});
