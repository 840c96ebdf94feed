// `npm run bench -- <name> [--json]`: runs bench/<name>.ts. Each benchmark prints a table for people
// and, with --json, one JSON object as its last line so figures can be compared run to run.
// `npm run bench` starts this process with one V8 helper thread (--v8-pool-size=1), as the bot
// starts its workers: the simulators live here, and their garbage collection on Node's default
// four helpers took both cores at once from the processes being measured. In the capacity ramp,
// copy mode went from 7 parties to 16 with that one flag (every party late together, 60–80 ms,
// whenever this process collected; docs/operations.md).
import { readdirSync } from 'node:fs';

export interface BenchOptions {
  json: boolean;
  args: string[];
}

const available = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -3));

const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [--json]`);
  process.exit(2);
}
const bench = (await import(`./${name}.ts`)) as { run(options: BenchOptions): Promise<void> };
await bench.run({ json: rest.includes('--json'), args: rest.filter((arg) => arg !== '--json') });
