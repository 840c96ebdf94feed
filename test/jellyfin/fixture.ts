// What most Jellyfin tests start from: a simulator, a client for it and a migrated database.
import { type JellyfinSim, type JellyfinSimOptions, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

export interface JellyfinFixture {
  sim: JellyfinSim;
  client: JellyfinClient;
  database: TestDatabase;
  cleanup(): Promise<void>;
}

export async function startJellyfinFixture(options: JellyfinSimOptions = {}): Promise<JellyfinFixture> {
  const sim = await startJellyfinSim(options);
  const database = await createTestDatabase();
  return {
    sim,
    client: new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey }),
    database,
    async cleanup() {
      await database.cleanup();
      await sim.stop();
    },
  };
}
