// Forward-only migrations from migrations/, in file-name order. Safe to run on every start.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, type MigrationResult, Migrator } from 'kysely/migration';
import { errorMessage } from '../error-message.ts';

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export class MigrationError extends Error {
  readonly migrationName: string | undefined;
  constructor(migrationName: string | undefined, cause: unknown) {
    const reason = errorMessage(cause);
    super(`Migration ${migrationName ?? '(unknown)'} failed: ${reason}`, { cause });
    this.name = 'MigrationError';
    this.migrationName = migrationName;
  }
}

/** Runs every pending migration; returns the names it applied (empty when already up to date). */
export async function migrateToLatest<Tables>(db: Kysely<Tables>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r: MigrationResult) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
