// Why a worker's item or stream failed, as a kind the bot can put in plain words for members
// (src/watchparty/failures.ts). The worker names the kind where it first knows it (the proxy sees
// Jellyfin's status, ffmpeg says it cannot decode), so the bot never has to read meaning out of the
// technical text that travels beside it for the logs.
import { z } from 'zod';

export const workerFailureKinds = [
  /** Jellyfin answered 401/403: the key the worker reads with was refused. */
  'media_refused',
  /** Jellyfin answered 404: the file is gone. */
  'media_missing',
  /** No answer from Jellyfin, or a 5xx. */
  'media_unreachable',
  /** The file was read but cannot be decoded or played (damaged, unsupported codec). */
  'media_unreadable',
  /** The file ends before its stated length (cut short). */
  'media_ended_early',
  /** The stream to Discord refused the item. (A stream that gives up is a fatal `error`: the worker is restarted.) */
  'stream_failed',
  /** The streaming account could not log in to Discord (a wrong or revoked token). */
  'stream_login_failed',
] as const;
export const workerFailureKindSchema = z.enum(workerFailureKinds);
export type WorkerFailureKind = z.infer<typeof workerFailureKindSchema>;
