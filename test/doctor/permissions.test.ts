// The doctor's permission arithmetic follows Discord's order: guild base from @everyone and roles,
// then @everyone's overwrite, the member's roles' overwrites together, the member's own; no View
// Channel hides the channel; administrators and the owner hold everything.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  channelPermissions,
  type GuildAccess,
  missingPermissions,
  permission,
} from '../../src/doctor/permissions.ts';

const guildId = '100000000000000001';
const dj = '100000000000000002';
const admin = '100000000000000003';
const guild: GuildAccess = {
  guildId,
  ownerId: '100000000000000009',
  roles: new Map([
    [guildId, permission.viewChannel | permission.connect | permission.speak],
    [dj, permission.stream],
    [admin, permission.administrator],
  ]),
};
const member = { userId: '100000000000000010', roleIds: [dj] };
const goLive = [permission.viewChannel, permission.connect, permission.speak, permission.stream];

describe('channelPermissions', () => {
  test('roles add to @everyone', () => {
    assert.deepEqual(missingPermissions(channelPermissions(guild, member, []), goLive), []);
    assert.deepEqual(missingPermissions(channelPermissions(guild, { ...member, roleIds: [] }, []), goLive), [
      'Video',
    ]);
  });

  test("a role's allow beats @everyone's deny, and the member's own deny beats both", () => {
    const everyoneDeny = { id: guildId, type: 0, allow: 0n, deny: permission.stream | permission.speak };
    const roleAllow = { id: dj, type: 0, allow: permission.stream, deny: 0n };
    assert.deepEqual(
      missingPermissions(channelPermissions(guild, member, [everyoneDeny, roleAllow]), goLive),
      ['Speak'],
    );
    const memberDeny = { id: member.userId, type: 1, allow: 0n, deny: permission.connect };
    assert.deepEqual(
      missingPermissions(channelPermissions(guild, member, [everyoneDeny, roleAllow, memberDeny]), goLive),
      ['Connect', 'Speak'],
    );
  });

  test('without View Channel nothing else counts; administrators and the owner hold everything', () => {
    const hidden = [{ id: guildId, type: 0, allow: 0n, deny: permission.viewChannel }];
    assert.equal(channelPermissions(guild, member, hidden), 0n);
    assert.deepEqual(
      missingPermissions(channelPermissions(guild, { ...member, roleIds: [admin] }, hidden), goLive),
      [],
    );
    assert.deepEqual(
      missingPermissions(channelPermissions(guild, { userId: guild.ownerId, roleIds: [] }, hidden), goLive),
      [],
    );
  });
});
