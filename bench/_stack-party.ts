// The real stack (sim/stack: the bot as its own process, its stream workers, the Discord and Jellyfin
// simulators) with one long generated film in the library, and a watch party driven through the
// bot's JSON API as an integration would. Shared by the recovery and soak benchmarks.
import { dirname } from 'node:path';
import { simId } from '../sim/jellyfin/library.ts';
import { parseLogLine, type Stack, startStack } from '../sim/stack/index.ts';
import { waitFor } from '../sim/wait-for.ts';
import type { SessionDetails } from '../src/watchparty/views.ts';

export interface FilmSpec {
  name: string;
  seconds: number;
}

export interface BenchStack {
  stack: Stack;
  /** The long film's Jellyfin item id. */
  filmId: string;
  /** The directory the bot (and so every worker and ffmpeg it spawns) runs in. */
  workDir: string;
  /** The source file the simulated Jellyfin serves for the film. */
  filmFile: string;
  api: PartyApi;
}

/**
 * Starts the stack with `film` added to the simulated library (generated now, so the first play does
 * not wait for ffmpeg) and the bot's log lines handed to `onLog` as parsed JSON.
 */
export async function startBenchStack(options: {
  film: FilmSpec;
  viewerDir: string;
  onLog: (entry: Record<string, unknown>) => void;
}): Promise<BenchStack> {
  const stack = await startStack({
    viewerDir: options.viewerDir,
    onBotLog: (line) => {
      const entry = parseLogLine(line);
      if (entry) options.onLog(entry);
    },
  });
  try {
    const { film } = options;
    const filmId = simId(`bench-film:${film.name}:${film.seconds}`);
    stack.jellyfin.library.add({
      id: filmId,
      type: 'Movie',
      name: film.name,
      year: 2026,
      overview: 'A long generated film for the benchmarks.',
      runtimeSeconds: film.seconds,
      locationType: 'FileSystem',
      media: { kind: 'h264', seconds: film.seconds, label: film.name, frequency: 440 },
      imageTag: simId(`image:${film.name}`),
    });
    const filmFile = await stack.jellyfin.mediaFile(filmId);
    return { stack, filmId, workDir: dirname(stack.databasePath), filmFile, api: new PartyApi(stack) };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The bot's JSON API, as an integration calls it. */
export class PartyApi {
  readonly #stack: Stack;

  constructor(stack: Stack) {
    this.#stack = stack;
  }

  /** A new party in a voice channel (default: the simulator's first), owned by alice. */
  async createParty(title: string, voiceChannelId = this.#stack.discord.voiceChannel.id): Promise<number> {
    const { discord, people } = this.#stack;
    const { session } = await this.#call<{ session: { id: number } }>('POST', '/sessions', {
      guildId: discord.guildId,
      voiceChannelId,
      textChannelId: discord.textChannel.id,
      ownerUserId: people.alice.id,
      title,
    });
    return session.id;
  }

  /** Queues an item (starting the party when idle); answers the entry's id once the bot acknowledged it. */
  async queue(partyId: number, itemId: string): Promise<number> {
    const { entry } = await this.#call<{ entry: { id: number } }>('POST', `/sessions/${partyId}/queue`, {
      itemId,
      startIfIdle: true,
    });
    return entry.id;
  }

  async control(partyId: number, action: 'stop' | 'start'): Promise<void> {
    await this.#call('POST', `/sessions/${partyId}/control`, { action });
  }

  details(partyId: number): Promise<SessionDetails> {
    return this.#call<SessionDetails>('GET', `/sessions/${partyId}`);
  }

  /** Ids of every queue row the party has (played, current and upcoming). */
  async queueRowIds(partyId: number): Promise<number[]> {
    const party = await this.details(partyId);
    return [...party.history, ...(party.current ? [party.current] : []), ...party.upcoming].map(
      (entry) => entry.id,
    );
  }

  /** Waits until the party reports `playing`. */
  async untilPlaying(partyId: number, timeoutMs: number): Promise<void> {
    await waitFor(
      `party ${partyId} to play`,
      async () => (await this.details(partyId).catch(() => null))?.session.status === 'playing',
      timeoutMs,
      100,
    );
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { url, token } = this.#stack.api;
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}
