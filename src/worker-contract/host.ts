// The worker host's additions to the worker contract. A worker host serves the same routes as one
// stream worker, for many sessions, each in a worker process of its own; these schemas cover what
// only a host needs: the environment of the worker it spawns for a new session (the bot builds it as
// for a local child, with workerEnvironment()), closing a session's worker, and the host's room.
import { z } from 'zod';
import { createSessionRequestSchema } from './http.ts';

/**
 * `POST /sessions` on a worker host: the contract's request plus the worker's environment (parsed
 * again by the spawned worker; the host sets the worker's own token, address and port itself).
 */
export const hostCreateSessionRequestSchema = createSessionRequestSchema.extend({
  workerEnvironment: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string().max(4_096)),
  /** The bot restarts this party after its worker failed: the host counts it in its /metrics. */
  restart: z.boolean().optional(),
});
export type HostCreateSessionRequest = z.infer<typeof hostCreateSessionRequestSchema>;

/** `GET /host`: who the host is (a random id per start, safe to log) and how much room it has. */
export const hostStatusSchema = z.object({
  hostId: z.string().min(1).max(64),
  /** Sessions it takes at most (WORKER_HOST_CAPACITY). */
  capacity: z.number().int().positive(),
  /** Sessions it serves or is opening. */
  sessions: z.number().int().nonnegative(),
  cpus: z.number().int().positive(),
  /** The one-minute load average divided by the cores: 1 is a machine busy to the full. */
  load: z.number().nonnegative(),
  uptimeSeconds: z.number().nonnegative(),
});
export type HostStatus = z.infer<typeof hostStatusSchema>;
