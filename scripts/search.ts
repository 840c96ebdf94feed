// `npm run search -- "QUERY" [--json]`: what autocomplete would offer for QUERY, read from the local
// catalog (DATABASE_PATH, filled by `npm run sync-catalog`). Operators use it to see why a title is
// or is not found; with --json it prints one JSON line: the choices exactly as Discord would get
// them, with the kind of item and how sure the search is (`score`, 0-1, by the tier that found it).
import { existsSync } from 'node:fs';
import { toChoices } from '../src/commands/media-search.ts';
import { ConfigError, loadBaseConfig, loadDotEnv } from '../src/config.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { maxChoices } from '../src/interactions/autocomplete-choices.ts';
import { CatalogSearch, matchScores } from '../src/jellyfin/catalog-search.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const query = args.filter((arg) => arg !== '--json').join(' ');

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

if (query.trim() === '') fail('usage: npm run search -- "QUERY" [--json]');
loadDotEnv();
let databasePath: string;
try {
  ({ databasePath } = loadBaseConfig());
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}
if (!existsSync(databasePath)) {
  fail(`There is no catalog at ${databasePath} yet: run \`npm run sync-catalog\` first.`);
}
const db = openDatabase(databasePath);
try {
  await migrateToLatest(db);
  const hits = await new CatalogSearch({ db }).search(query, { limit: maxChoices });
  if (hits.length === 0 && !json) console.log(`Nothing in the catalog matches "${query}".`);
  // toChoices drops hits Discord could not take, so choices and hits are paired by item id.
  const byId = new Map(hits.map((hit) => [hit.itemId, hit]));
  const choices = toChoices(hits).map((choice) => {
    const hit = byId.get(choice.value);
    return { ...choice, type: hit?.type ?? null, score: hit ? matchScores[hit.match] : null };
  });
  if (json) {
    console.log(JSON.stringify({ query, choices }));
  } else {
    for (const [index, choice] of choices.entries()) {
      console.log(`${String(index + 1).padStart(2)}. ${choice.name}  [${choice.type}, ${choice.score}]`);
    }
  }
} finally {
  await db.destroy();
}
