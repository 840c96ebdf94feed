// What crosses the dashboard's door: the page's requests (checked with zod, a 400 naming the field
// otherwise) and the shapes it reads.
import { z } from 'zod';
import { sessionStatuses } from '../db/schema.ts';
import { sessionDetailsSchema } from '../watchparty/views.ts';

const wholeNumber = z
  .string()
  .regex(/^\d{1,9}$/, 'must be a positive whole number')
  .transform(Number);

export const partyParamsSchema = z.object({ id: wholeNumber });
/** A script the page loads on demand (a language's catalog), as the build named it. */
export const chunkParamsSchema = z.object({
  file: z.string().regex(/^[\w-]{1,60}\.js$/, 'must be the name of a script the page loads'),
});
export const queueEntryParamsSchema = z.object({ id: wholeNumber, number: wholeNumber });

export const oauthCallbackQuerySchema = z.union([
  z.object({ code: z.string().min(1).max(512), state: z.string().min(1).max(512) }),
  z.object({ error: z.string().max(200), state: z.string().max(512).optional() }),
]);

export const loginQuerySchema = z.object({
  /** Where to land after logging in: a path on this site only. */
  next: z
    .string()
    .regex(/^\/(?!\/)[\w\-/]*$/, 'must be a path on this site')
    .max(200)
    .optional(),
});

export const dashboardControls = ['start', 'pause', 'resume', 'seek', 'skip', 'previous', 'stop'] as const;
export type DashboardControl = (typeof dashboardControls)[number];

export const controlBodySchema = z
  .strictObject({
    action: z.enum(dashboardControls),
    /** For seek: seconds from the start, or a relative step such as "+30" or "-30". */
    position: z.union([z.number().nonnegative(), z.string().regex(/^[+-]\d{1,5}$/)]).optional(),
  })
  .refine((body) => body.action !== 'seek' || body.position !== undefined, {
    path: ['position'],
    message: 'is required for seek',
  });

export const queueBodySchema = z.strictObject({
  itemId: z.string().trim().min(1).max(128),
  /** Play after the current item instead of at the end. */
  next: z.boolean().optional(),
});

export const tracksBodySchema = z.strictObject({
  kind: z.enum(['audio', 'subtitles']),
  /** A stream index from the item's track offer, or `off` for subtitles. */
  track: z.string().regex(/^(\d{1,4}|off)$/, 'must be a stream index or off'),
});

export const moveBodySchema = z.strictObject({
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});

export const partySummarySchema = z.object({
  id: z.number().int(),
  title: z.string(),
  status: z.enum(sessionStatuses),
  voiceChannelName: z.string(),
});

export const meSchema = z.object({
  user: z.object({ id: z.string(), username: z.string() }),
  /** Sent back in the x-csrf-token header on every change. */
  csrfToken: z.string(),
  guilds: z.array(z.object({ id: z.string(), name: z.string(), parties: z.array(partySummarySchema) })),
});
export type Me = z.infer<typeof meSchema>;
/** Who is logged in: null for nobody (the page then offers the login). */
export const whoAmISchema = z.object({ me: meSchema.nullable() });
export type WhoAmI = z.infer<typeof whoAmISchema>;

export const partyViewSchema = z
  .object({
    guildName: z.string(),
    voiceChannelName: z.string(),
    details: sessionDetailsSchema,
  })
  .meta({ id: 'PartyView' });
export type PartyView = z.infer<typeof partyViewSchema>;
