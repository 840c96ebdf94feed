import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  createParty,
  createWatchPartyHarness,
  OWNER_ID,
  owner,
  type WatchPartyHarness,
  waitForSession,
} from '../support/watch-party.ts';

// The audit log's rows are read back by the API's history and kept across versions, so their
// event_type strings and payload JSON (key order included) must not drift.
describe('the audit log as stored', () => {
  let harness: WatchPartyHarness;
  beforeEach(async () => {
    harness = await createWatchPartyHarness();
  });
  afterEach(() => harness.cleanup());

  test('a party from creation to stop writes the rows it always wrote', async () => {
    const { service, workers, database } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    await service.addToQueue(id, { itemId: 'movie-2' }, owner);
    workers.finishItem(String(id));
    await waitForSession(service, id, (d) => d.current?.itemId === 'movie-2');
    await service.stop(id, owner);

    const rows = await database.db
      .selectFrom('watch_party_events')
      .select(['event_type', 'actor_user_id', 'payload_json'])
      .where('session_id', '=', id)
      .orderBy('id')
      .execute();
    const member = `"actor":"member:${OWNER_ID}"`;
    assert.deepEqual(
      rows.map((row) => [row.event_type, row.actor_user_id, row.payload_json]),
      [
        ['created', OWNER_ID, `{${member},"title":"Watch party","ownerUserId":"${OWNER_ID}"}`],
        [
          'queued',
          OWNER_ID,
          `{${member},"entryId":1,"itemId":"movie-1","title":"Night of the Comet","number":1}`,
        ],
        [
          'started',
          OWNER_ID,
          `{${member},"entryId":1,"title":"Night of the Comet","startPositionSeconds":0}`,
        ],
        ['playing', null, '{"actor":"system","title":"Night of the Comet"}'],
        [
          'queued',
          OWNER_ID,
          `{${member},"entryId":2,"itemId":"movie-2","title":"The Fifth Element","number":1}`,
        ],
        [
          'item-ended',
          null,
          '{"actor":"system","reason":"finished","error":null,"endedEntryId":1,"endedTitle":"Night of the Comet",' +
            '"nextEntryId":2,"nextTitle":"The Fifth Element"}',
        ],
        ['stopped', OWNER_ID, `{${member},"entryId":2,"title":"The Fifth Element"}`],
      ],
    );
  });
});
