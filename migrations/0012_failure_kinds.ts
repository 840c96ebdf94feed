// A failure is kept as its kind (src/watchparty/failures.ts), and for a file that ended early the
// point where it ended, so the panel can word it in the server's language when it is drawn. The
// English sentence stays in last_error for the API and the logs, and rows written before this
// migration, which have no kind, keep showing that sentence. No CHECK on the kind: the vocabulary
// grows, and SQLite could only widen a CHECK by rebuilding the table; reads ignore a kind they do
// not know.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('watch_party_worker_state').addColumn('last_error_kind', 'text').execute();
  await db.schema.alterTable('watch_party_worker_state').addColumn('last_error_at_seconds', 'real').execute();
}
