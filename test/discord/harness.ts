// The Discord door under test: the real discord.js bot logged into sim/discord, the real service on
// a migrated database with a fake worker pool and media library (test/support), a small catalog
// search over that library, and the people of a movie night: an owner, a listener, someone outside
// the voice channel, a moderator and a DJ.
import type { APIMessage } from 'discord-api-types/v10';
import { type DiscordSim, permissionBits, type SimUser, startDiscordSim } from '../../sim/discord/index.ts';
import type { MediaSearch } from '../../src/commands/media-search.ts';
import type { CatalogItemType } from '../../src/db/schema.ts';
import { createDiscordBot, type DiscordBot, type DiscordBotOptions } from '../../src/discord/bot.ts';
import { registerCommands } from '../../src/discord/register-commands.ts';
import type {
  CatalogHit,
  SearchLimits,
  SearchOptions,
  SeasonSummary,
} from '../../src/jellyfin/catalog-search.ts';
import type { FilmNightSettings } from '../../src/watchparty/party-film-night.ts';
import type { FakeMediaLibrary } from '../support/fake-media-library.ts';
import { createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';

/** Searches the fake library by title, as the catalog search would (substring, case-insensitive). */
export class LibrarySearch implements MediaSearch {
  readonly #media: FakeMediaLibrary;
  /** When set, every search fails as if the catalog were down. */
  down = false;
  /** When set, a search never answers on its own: it waits for its caller to abort it. */
  stalled = false;
  /** The reasons searches were aborted with, oldest first. */
  readonly abortReasons: unknown[] = [];

  constructor(media: FakeMediaLibrary) {
    this.#media = media;
  }

  async search(typed: string, options: SearchOptions): Promise<CatalogHit[]> {
    await this.#wait(options.signal);
    const needle = typed.toLowerCase();
    const wanted = (type: CatalogItemType) =>
      options.type === undefined ||
      options.type === type ||
      (Array.isArray(options.type) && options.type.includes(type));
    const hits: CatalogHit[] = [];
    for (const series of this.#media.series.values()) {
      const title = seriesName(series.id);
      if (title.toLowerCase().includes(needle) && wanted('series')) {
        hits.push({ ...unnumbered, itemId: series.id, type: 'series', title, year: null, match: 'word' });
      }
    }
    for (const item of this.#media.items.values()) {
      const type = item.mediaType === 'episode' ? 'episode' : 'movie';
      if (item.title.toLowerCase().includes(needle) && wanted(type)) {
        hits.push({
          ...unnumbered,
          itemId: item.itemId,
          type,
          title: item.title,
          year: item.year,
          match: 'word',
        });
      }
    }
    return hits.slice(0, options.limit);
  }

  async episodesOf(seriesId: string, query: string, options: SearchLimits): Promise<CatalogHit[]> {
    await this.#wait(options.signal);
    const series = seriesName(seriesId);
    const episodes = (this.#media.series.get(seriesId)?.episodeIds ?? []).flatMap((id) => {
      const item = this.#media.items.get(id);
      return item ? [item] : [];
    });
    return episodes
      .filter((item) => item.title.toLowerCase().includes(query.toLowerCase()))
      .slice(0, options.limit)
      .map((item) => ({
        ...unnumbered,
        itemId: item.itemId,
        type: 'episode' as const,
        // The fake's episode titles already read `Orbit · S01E01 · Launch`.
        title: item.title.replace(`${series} · `, ''),
        year: item.year,
        seriesName: series,
        match: 'episode' as const,
      }));
  }

  /** The fake's episodes are all of season 1. */
  async seasonsOf(seriesId: string): Promise<SeasonSummary[]> {
    const count = this.#media.series.get(seriesId)?.episodeIds.length ?? 0;
    return count > 0 ? [{ seasonNumber: 1, episodeCount: count }] : [];
  }

  async #wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.down) throw new Error('catalog unavailable');
    if (!this.stalled) return;
    await new Promise<never>((_, reject) => {
      const abort = () => {
        this.abortReasons.push(signal?.reason);
        reject(signal?.reason);
      };
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }
}

const unnumbered = { seriesName: null, seasonNumber: null, episodeNumber: null, episodeCount: null };

function seriesName(seriesId: string): string {
  return seriesId === 'series-1' ? 'Orbit' : seriesId;
}

/** Registers /watchparty with the simulator and logs a bot in, as `register-commands` then `start` do. */
export async function startBotOnSim(
  sim: DiscordSim,
  options: Omit<DiscordBotOptions, 'apiBase'>,
): Promise<DiscordBot> {
  await registerCommands({
    token: sim.botToken,
    applicationId: sim.applicationId,
    guildId: sim.guildId,
    apiBase: sim.baseUrl,
  });
  const bot = createDiscordBot({ ...options, apiBase: sim.baseUrl });
  await bot.start(sim.botToken);
  return bot;
}

/** A guild member sitting in the guild's first voice channel. */
export function memberInVoice(sim: DiscordSim, username: string): SimUser {
  const user = sim.addUser({ username });
  sim.joinVoice(user.id, sim.voiceChannel.id);
  return user;
}

export interface DiscordDoor {
  sim: DiscordSim;
  party: WatchPartyHarness;
  search: LibrarySearch;
  bot: DiscordBot;
  people: { owner: SimUser; listener: SimUser; outsider: SimUser; moderator: SimUser; dj: SimUser };
  /** A new bot process on the same database: the old one is stopped first. */
  restartBot(): Promise<void>;
  /** The now-playing panel of a session, once it satisfies the predicate. */
  panel(predicate: (message: APIMessage) => boolean, timeoutMs?: number): Promise<APIMessage>;
  close(): Promise<void>;
}

export async function openDiscordDoor(
  options: {
    panelRefreshIntervalMs?: number;
    /** Edit spacing of the panels; tests default to 50 ms, production to 1.2 s. */
    panelMinEditIntervalMs?: number;
    channelMessageRateLimit?: { limit: number; windowMs: number };
    /** Idle parties and the streaming accounts' tokens, as `start` passes them (made in the simulator first). */
    bot?: (sim: DiscordSim) => Pick<DiscordBotOptions, 'idle' | 'streamerTokens' | 'announce'>;
    /** Resume memory, segments and series episodes for the service. */
    filmNight?: FilmNightSettings;
  } = {},
): Promise<DiscordDoor> {
  const sim = await startDiscordSim({ channelMessageRateLimit: options.channelMessageRateLimit });
  const djRole = sim.addRole('DJ');
  const moderatorRole = sim.addRole('Moderator', permissionBits.manageChannels);
  const party = await createWatchPartyHarness({ djRoleId: djRole.id, filmNight: options.filmNight });
  const search = new LibrarySearch(party.media);
  const people = {
    owner: sim.addUser({ username: 'alice' }),
    listener: sim.addUser({ username: 'bob' }),
    outsider: sim.addUser({ username: 'carol' }),
    moderator: sim.addUser({ username: 'mod', roleIds: [moderatorRole.id] }),
    dj: sim.addUser({ username: 'dj', roleIds: [djRole.id] }),
  };
  for (const person of [people.owner, people.listener, people.dj])
    sim.joinVoice(person.id, sim.voiceChannel.id);
  const botOptions = options.bot?.(sim);
  const startBot = () =>
    startBotOnSim(sim, {
      service: party.service,
      search,
      logger: party.logger,
      panels: {
        minEditIntervalMs: options.panelMinEditIntervalMs ?? 50,
        refreshIntervalMs: options.panelRefreshIntervalMs ?? 15_000,
      },
      // Failures only: the story's lines (test/discord/party-story.test.ts) would crowd the channels
      // other tests read.
      announce: { level: 'errors' },
      // Discord's write limit only where the simulator enforces it; elsewhere panels and lines go at once.
      channelWrites: options.channelMessageRateLimit ? {} : { writes: 1_000 },
      ...botOptions,
    });
  const door: DiscordDoor = {
    sim,
    party,
    search,
    bot: await startBot(),
    people,
    async restartBot() {
      await door.bot.stop();
      await party.restart();
      door.bot = await startBot();
    },
    panel: (predicate, timeoutMs = 5_000) =>
      sim.messages.waitFor(
        (message) =>
          message.channel_id === sim.textChannel.id && (message.flags ?? 0) === 0 && predicate(message),
        timeoutMs,
      ),
    async close() {
      await door.bot.stop();
      await party.cleanup();
      await sim.stop();
    },
  };
  return door;
}

export { embedText } from '../../sim/discord/index.ts';

/** Labels of the enabled buttons, in order. */
export function enabledButtons(message: APIMessage): string[] {
  return (message.components ?? [])
    .flatMap((row) => ('components' in row ? (row.components as unknown as Record<string, unknown>[]) : []))
    .filter((component) => component.type === 2 && component.disabled !== true)
    .map((component) => String(component.label));
}

/** The custom id of the button with that label. */
export function buttonId(message: APIMessage, label: string): string {
  const button = (message.components ?? [])
    .flatMap((row) => ('components' in row ? (row.components as unknown as Record<string, unknown>[]) : []))
    .find((component) => component.label === label);
  if (!button) throw new Error(`no "${label}" button on the message`);
  return String(button.custom_id);
}
