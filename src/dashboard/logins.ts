// Dashboard logins in SQLite. The cookie carries a random secret; the table keeps its SHA-256, the
// member's id, name and guilds as Discord listed them at login, and a CSRF token the page sends
// back on every change. A login lasts `ttlMs`; expired rows are ignored and deleted.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import type { DiscordIdentity } from './discord-oauth.ts';

export interface DashboardLogin {
  userId: string;
  username: string;
  guildIds: string[];
  csrfToken: string;
}

const guildIdsSchema = z.array(z.string());

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export class DashboardLogins {
  readonly #db: Db;
  readonly #ttlMs: number;

  constructor(db: Db, options: { ttlMs: number }) {
    this.#db = db;
    this.#ttlMs = options.ttlMs;
  }

  get ttlSeconds(): number {
    return Math.floor(this.#ttlMs / 1000);
  }

  /** Stores a login and answers the secret for its cookie. */
  async open(identity: DiscordIdentity): Promise<string> {
    const secret = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.#db
      .insertInto('dashboard_logins')
      .values({
        secret_hash: hash(secret),
        user_id: identity.userId,
        username: identity.username,
        guild_ids_json: JSON.stringify(identity.guildIds),
        csrf_token: randomBytes(24).toString('base64url'),
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + this.#ttlMs).toISOString(),
      })
      .execute();
    await this.#db
      .deleteFrom('dashboard_logins')
      .where('expires_at', '<=', new Date(now).toISOString())
      .execute();
    return secret;
  }

  async find(secret: string): Promise<DashboardLogin | null> {
    const row = await this.#db
      .selectFrom('dashboard_logins')
      .selectAll()
      .where('secret_hash', '=', hash(secret))
      .where('expires_at', '>', new Date().toISOString())
      .executeTakeFirst();
    if (row === undefined) return null;
    return {
      userId: row.user_id,
      username: row.username,
      guildIds: guildIdsSchema.parse(JSON.parse(row.guild_ids_json)),
      csrfToken: row.csrf_token,
    };
  }

  async close(secret: string): Promise<void> {
    await this.#db.deleteFrom('dashboard_logins').where('secret_hash', '=', hash(secret)).execute();
  }
}
