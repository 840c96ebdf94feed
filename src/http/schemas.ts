// The JSON API's request and response shapes. The same schemas validate requests, check answers
// before they leave and generate /api/openapi.json, so the document cannot drift from what the
// routes enforce.
import { z } from 'zod';
import {
  loopModeSchema,
  partySessionSchema,
  queueEntrySchema,
  upcomingEntrySchema,
} from '../watchparty/views.ts';

const discordId = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (15-21 digits)');
const wholeNumber = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a positive whole number')
  .transform(Number);

export const sessionParamsSchema = z.object({ id: wholeNumber });
export const queueEntryParamsSchema = z.object({ id: wholeNumber, index: wholeNumber });

export const listSessionsQuerySchema = z.object({
  guildId: discordId.optional(),
  includeStopped: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
});

export const createSessionBodySchema = z.strictObject({
  guildId: discordId,
  voiceChannelId: discordId,
  textChannelId: discordId,
  ownerUserId: discordId,
  title: z.string().trim().min(1).max(100).optional(),
});

export const addToQueueBodySchema = z.strictObject({
  itemId: z.string().trim().min(1).max(128),
  /** Play after the current item instead of at the end. */
  next: z.boolean().optional(),
  /** Start the party if it is idle. */
  startIfIdle: z.boolean().optional(),
  /** Where it starts: `resume` (the default: where a party or JELLYFIN_USER stopped), `start`, or seconds. */
  from: z.union([z.enum(['resume', 'start']), z.number().nonnegative()]).optional(),
});

export const moveBodySchema = z.strictObject({
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});

export const controlBodySchema = z
  .strictObject({
    action: z.enum(['start', 'pause', 'resume', 'seek', 'skip', 'stop', 'previous', 'shuffle', 'loop']),
    /** For seek: `1:23:45`, `83:45`, `90`, `+30`, `-10`, `1h2m3s`, or a number of seconds. */
    position: z.union([z.string().trim().min(1).max(32), z.number().nonnegative()]).optional(),
    /** For loop: `off`, `item` (the item plays again) or `queue` (each ended item goes back to the end). */
    mode: loopModeSchema.optional(),
  })
  .refine((body) => body.action !== 'seek' || body.position !== undefined, {
    path: ['position'],
    message: 'is required for seek (e.g. "1:23:45" or "+30")',
  })
  .refine((body) => body.action !== 'loop' || body.mode !== undefined, {
    path: ['mode'],
    message: 'is required for loop: off, item or queue',
  });

export const apiErrorCodes = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export const apiErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(apiErrorCodes),
      message: z.string(),
      /** The offending field, for 400s. */
      field: z.string().optional(),
    }),
  })
  .meta({ id: 'ApiError' });
export type ApiError = z.infer<typeof apiErrorSchema>;

export const healthSchema = z.object({
  ok: z.literal(true),
  /** Parties that are not stopped. */
  liveSessions: z.number().int().nonnegative(),
  uptimeSeconds: z.number().nonnegative(),
});

export const sessionListSchema = z.object({ sessions: z.array(partySessionSchema) });
export const sessionResponseSchema = z.object({ session: partySessionSchema });

export const addToQueueResponseSchema = z.object({
  entry: z.union([upcomingEntrySchema, queueEntrySchema]),
  started: z.boolean(),
  /** Why the party did not start although startIfIdle asked for it; the item stays queued. */
  startError: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export const removedResponseSchema = z.object({ removed: queueEntrySchema });
export const movedResponseSchema = z.object({ moved: upcomingEntrySchema });
export const clearedResponseSchema = z.object({ cleared: z.number().int().nonnegative() });
