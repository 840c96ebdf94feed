// Queue entries kept their poster at Jellyfin's own address (JELLYFIN_URL, often internal), and
// panels and the API showed it to members. New entries keep the public address (JELLYFIN_PUBLIC_URL)
// or none; older ones lose theirs, and their panels attach the poster the bot reads from Jellyfin.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update watch_party_queue set poster_url = null`.execute(db);
}
