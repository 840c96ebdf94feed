// Runs the Jellyfin simulator on its own, for the demo and for trying the bot by hand:
//   node sim/jellyfin/main.ts [--port 8096] [--large 50000] [--slow-search 2000]
// Prints the JELLYFIN_URL and the simulator's throwaway JELLYFIN_API_KEY to put in .env.
import { startJellyfinSim } from './server.ts';

function flag(name: string): number | undefined {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

const sim = await startJellyfinSim({
  port: flag('--port'),
  largeCatalog: flag('--large'),
  searchLatencyMs: flag('--slow-search'),
});
console.log(
  `JELLYFIN_URL=${sim.url}\nJELLYFIN_API_KEY=${sim.apiKey}\n(${sim.library.size} items; Ctrl+C to stop)`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
