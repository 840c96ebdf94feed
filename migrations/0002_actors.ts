// Who did what: the user who queued an entry (shown on the now-playing panel) and the user behind
// every audit event (null for the system: autoadvance, worker reports).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('watch_party_queue').addColumn('requested_by_user_id', 'text').execute();
  await db.schema.alterTable('watch_party_events').addColumn('actor_user_id', 'text').execute();
}
