// Parse, then run: a `/watchparty` interaction becomes a typed request here, validated with zod, or
// a bad_request naming the option and saying what to type. Discord's client enforces the declared
// limits, but a payload can carry anything, so nothing is trusted twice.
import type { ChatInputCommandInteraction } from 'discord.js';
import { z } from 'zod';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import { parseStartChoice, type StartChoice } from '../watchparty/resume.ts';
import {
  maxQueuePosition,
  maxSeekTextLength,
  maxTitleLength,
  maxTrackTextLength,
} from './watchparty-definition.ts';

export type WatchpartyRequest =
  | { sub: 'create'; voiceChannelId: string | null; title: string | null; media: string | null }
  | {
      sub: 'queue';
      media: string;
      episode: string | null;
      next: boolean;
      audio: string | null;
      subtitles: string | null;
      from: StartChoice | undefined;
    }
  | { sub: 'audio' | 'subtitles'; track: string }
  | { sub: 'start' | 'pause' | 'resume' | 'skip' | 'stop' | 'nowplaying' | 'clear' }
  | { sub: 'seek'; time: string }
  | { sub: 'list'; page: number }
  | { sub: 'remove'; position: number }
  | { sub: 'move'; from: number; to: number };

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .transform((value) => (value === null || value === '' ? null : value));
const position = z.number().int().min(1).max(maxQueuePosition);
const snowflake = z.string().regex(/^\d{15,21}$/);

const schemas = {
  create: z.object({
    voice: snowflake.nullable(),
    title: optionalText(maxTitleLength),
    media: optionalText(100),
  }),
  queue: z.object({
    media: text(100),
    episode: optionalText(100),
    next: z.boolean().nullable(),
    audio: optionalText(maxTrackTextLength),
    subtitles: optionalText(maxTrackTextLength),
    // Checked by parseStartChoice, whose message says what `from` takes (a move's `from` is a number).
    from: optionalText(100),
  }),
  track: z.object({ track: text(maxTrackTextLength) }),
  seek: z.object({ time: text(maxSeekTextLength) }),
  list: z.object({ page: z.number().int().min(1).max(1_000).nullable() }),
  remove: z.object({ position }),
  move: z.object({ from: position, to: position }),
} as const;

/** Each option's name as the member sees it, and what it must look like, for the error message. */
const optionWords: Record<string, { name: Phrase; help: Phrase }> = {
  voice: { name: phrase('option.voice.name'), help: phrase('help.voice') },
  title: { name: phrase('option.title.name'), help: phrase('help.title', { max: maxTitleLength }) },
  media: { name: phrase('option.media.name'), help: phrase('help.media') },
  episode: { name: phrase('option.episode.name'), help: phrase('help.episode') },
  next: { name: phrase('option.next.name'), help: phrase('help.next') },
  audio: { name: phrase('option.audio.name'), help: phrase('help.audio') },
  subtitles: { name: phrase('option.subtitles.name'), help: phrase('help.subtitles') },
  track: { name: phrase('option.track.name'), help: phrase('help.track') },
  time: { name: phrase('option.time.name'), help: phrase('help.time') },
  page: { name: phrase('option.page.name'), help: phrase('help.page') },
  position: {
    name: phrase('option.position.name'),
    help: phrase('help.position', { max: maxQueuePosition }),
  },
  from: { name: phrase('option.from.name'), help: phrase('help.from', { max: maxQueuePosition }) },
  to: { name: phrase('option.to.name'), help: phrase('help.to', { max: maxQueuePosition }) },
};

const argumentless = new Set(['start', 'pause', 'resume', 'skip', 'stop', 'nowplaying', 'clear']);

function parseOptions<S extends z.ZodObject>(
  interaction: ChatInputCommandInteraction,
  schema: S,
): z.output<S> {
  const raw = Object.fromEntries(
    Object.keys(schema.shape).map((name) => [name, interaction.options.get(name)?.value ?? null]),
  );
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const field = String(result.error.issues[0]?.path[0] ?? 'option');
  const words = optionWords[field];
  throw new WatchPartyError(
    'bad_request',
    phrase('error.badOption', { option: words?.name ?? field, help: words?.help ?? phrase('help.other') }),
    {
      field,
    },
  );
}

export function parseWatchpartyRequest(interaction: ChatInputCommandInteraction): WatchpartyRequest {
  const sub = interaction.options.getSubcommand(false);
  if (sub === null) throw new WatchPartyError('bad_request', phrase('error.pickSubcommand'));
  if (argumentless.has(sub)) return { sub } as WatchpartyRequest;
  switch (sub) {
    case 'create': {
      const options = parseOptions(interaction, schemas.create);
      return { sub, voiceChannelId: options.voice, title: options.title, media: options.media };
    }
    case 'queue': {
      const options = parseOptions(interaction, schemas.queue);
      return {
        sub,
        media: options.media,
        episode: options.episode,
        next: options.next ?? false,
        audio: options.audio,
        subtitles: options.subtitles,
        from: options.from === null ? undefined : parseStartChoice(options.from),
      };
    }
    case 'audio':
    case 'subtitles':
      return { sub, track: parseOptions(interaction, schemas.track).track };
    case 'seek':
      return { sub, time: parseOptions(interaction, schemas.seek).time };
    case 'list':
      return { sub, page: parseOptions(interaction, schemas.list).page ?? 1 };
    case 'remove':
      return { sub, position: parseOptions(interaction, schemas.remove).position };
    case 'move': {
      const options = parseOptions(interaction, schemas.move);
      return { sub, from: options.from, to: options.to };
    }
    default:
      throw new WatchPartyError('bad_request', phrase('error.unknownSubcommand', { name: sub.slice(0, 32) }));
  }
}
