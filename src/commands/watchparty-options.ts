// Parse, then run: a `/watchparty` interaction becomes a typed request here, validated with zod, or
// a bad_request naming the option and saying what to type. Discord's client enforces the declared
// limits, but a payload can carry anything, so nothing is trusted twice.
import type { ChatInputCommandInteraction } from 'discord.js';
import { z } from 'zod';
import { WatchPartyError } from '../watchparty/errors.ts';
import { maxQueuePosition, maxSeekTextLength, maxTitleLength } from './watchparty-definition.ts';

export type WatchpartyRequest =
  | { sub: 'create'; voiceChannelId: string | null; title: string | null; media: string | null }
  | { sub: 'queue'; media: string; episode: string | null; next: boolean }
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
  queue: z.object({ media: text(100), episode: optionalText(100), next: z.boolean().nullable() }),
  seek: z.object({ time: text(maxSeekTextLength) }),
  list: z.object({ page: z.number().int().min(1).max(1_000).nullable() }),
  remove: z.object({ position }),
  move: z.object({ from: position, to: position }),
} as const;

/** What each option must look like, for the error message. */
const optionHelp: Record<string, string> = {
  voice: 'a voice channel',
  title: `a name of at most ${maxTitleLength} characters`,
  media: 'a title picked from the suggestions',
  episode: 'an episode picked from the suggestions',
  next: 'true or false',
  time: 'a time such as 1:23:45, 83:45, 90, +30, -10 or 1h2m',
  page: 'a page number from 1',
  position: `a queue number from 1 to ${maxQueuePosition}, as /watchparty list shows it`,
  from: `a queue number from 1 to ${maxQueuePosition}`,
  to: `a queue number from 1 to ${maxQueuePosition}`,
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
  throw new WatchPartyError(
    'bad_request',
    `The \`${field}\` option must be ${optionHelp[field] ?? 'valid'}.`,
    {
      field,
    },
  );
}

export function parseWatchpartyRequest(interaction: ChatInputCommandInteraction): WatchpartyRequest {
  const sub = interaction.options.getSubcommand(false);
  if (sub === null)
    throw new WatchPartyError('bad_request', 'Pick a /watchparty subcommand, such as create or queue.');
  if (argumentless.has(sub)) return { sub } as WatchpartyRequest;
  switch (sub) {
    case 'create': {
      const options = parseOptions(interaction, schemas.create);
      return { sub, voiceChannelId: options.voice, title: options.title, media: options.media };
    }
    case 'queue': {
      const options = parseOptions(interaction, schemas.queue);
      return { sub, media: options.media, episode: options.episode, next: options.next ?? false };
    }
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
      throw new WatchPartyError(
        'bad_request',
        `/watchparty ${sub.slice(0, 32)} is not a command this bot knows. Ask an admin to run register-commands.`,
      );
  }
}
