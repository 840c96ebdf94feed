// The main (user-account) gateway as the Go Live code sees it (protocol.md §1): send a raw opcode,
// receive dispatches, upload a stream preview. The selfbot implements it in production; tests wire
// it straight to the simulator's voice side.
import { z } from 'zod';

export interface MainGateway {
  /** The streaming account's user id. */
  readonly userId: string;
  /** The current main gateway session's id (READY `session_id`): the id our own voice states carry. */
  readonly sessionId: string;
  send(op: number, d: unknown): void;
  /** Every dispatch (`t`, `d`) of the main gateway; returns the unsubscribe function. */
  onDispatch(listener: (event: string, data: unknown) => void): () => void;
  /** POST /streams/{stream_key}/preview with a data: URL (protocol.md §1.4 step 8). */
  uploadStreamPreview(streamKey: string, thumbnailDataUrl: string): Promise<void>;
  /** Logs out; safe to call twice. */
  destroy(): Promise<void>;
}

/** Main gateway opcodes we send (protocol.md §1.2). */
export const MainOp = {
  voiceStateUpdate: 4,
  streamCreate: 18,
  streamDelete: 19,
  streamPing: 21,
  streamSetPaused: 22,
} as const;

export function guildStreamKey(guildId: string, channelId: string, userId: string): string {
  return `guild:${guildId}:${channelId}:${userId}`;
}

const id = z.coerce.string();

export const readySchema = z.object({ session_id: z.string() });

export const voiceStateUpdateSchema = z.object({
  user_id: id,
  guild_id: id.nullish(),
  channel_id: id.nullable(),
  session_id: z.string(),
  self_stream: z.boolean().optional(),
});

export const voiceServerUpdateSchema = z.object({
  guild_id: id.nullish(),
  token: z.string(),
  endpoint: z.string().nullable(),
});

export const streamCreateSchema = z.object({
  stream_key: z.string(),
  rtc_server_id: id,
  rtc_channel_id: id.nullish(),
  paused: z.boolean().optional(),
});

export const streamServerUpdateSchema = z.object({
  stream_key: z.string(),
  token: z.string(),
  endpoint: z.string().nullable(),
});

export const streamUpdateSchema = z.object({
  stream_key: z.string(),
  viewer_ids: z.array(id).optional(),
  paused: z.boolean().optional(),
});

export const streamDeleteSchema = z.object({
  stream_key: z.string(),
  reason: z.string().nullish(),
  unavailable: z.boolean().optional(),
});

export type VoiceStateUpdate = z.infer<typeof voiceStateUpdateSchema>;
export type VoiceServerUpdate = z.infer<typeof voiceServerUpdateSchema>;
export type StreamCreate = z.infer<typeof streamCreateSchema>;
export type StreamServerUpdate = z.infer<typeof streamServerUpdateSchema>;
export type StreamDelete = z.infer<typeof streamDeleteSchema>;

/** The dispatches the Go Live session acts on, already filtered to our user and stream key. */
export type GoLiveDispatch =
  | { type: 'voice-state'; data: VoiceStateUpdate }
  | { type: 'voice-server'; data: VoiceServerUpdate }
  | { type: 'stream-create'; data: StreamCreate }
  | { type: 'stream-server'; data: StreamServerUpdate }
  | { type: 'stream-update'; data: z.infer<typeof streamUpdateSchema> }
  | { type: 'stream-delete'; data: StreamDelete }
  /** A new main gateway session (READY): the voice servers will drop both connections (§8.2 item 5). */
  | { type: 'main-session-reset' };

export interface DispatchFilter {
  userId: string;
  guildId: string;
  streamKey: string;
}

/**
 * Turns a raw dispatch into one of ours, or null when it is about someone else (user accounts see
 * other users' voice states and streams) or not one we use. A malformed payload throws, naming it.
 */
export function parseGoLiveDispatch(
  event: string,
  data: unknown,
  filter: DispatchFilter,
): GoLiveDispatch | null {
  const parse = <T>(schema: z.ZodType<T>): T => {
    const result = schema.safeParse(data);
    if (!result.success) {
      const field = result.error.issues[0]?.path.join('.') ?? '';
      throw new Error(
        `malformed ${event} dispatch: ${field} ${result.error.issues[0]?.message ?? ''}`.trim(),
      );
    }
    return result.data;
  };
  switch (event) {
    case 'READY':
      return { type: 'main-session-reset' };
    case 'VOICE_STATE_UPDATE': {
      const state = parse(voiceStateUpdateSchema);
      return state.user_id === filter.userId && (state.guild_id ?? filter.guildId) === filter.guildId
        ? { type: 'voice-state', data: state }
        : null;
    }
    case 'VOICE_SERVER_UPDATE': {
      const server = parse(voiceServerUpdateSchema);
      return server.guild_id === filter.guildId ? { type: 'voice-server', data: server } : null;
    }
    case 'STREAM_CREATE': {
      const stream = parse(streamCreateSchema);
      return stream.stream_key === filter.streamKey ? { type: 'stream-create', data: stream } : null;
    }
    case 'STREAM_SERVER_UPDATE': {
      const server = parse(streamServerUpdateSchema);
      return server.stream_key === filter.streamKey ? { type: 'stream-server', data: server } : null;
    }
    case 'STREAM_UPDATE': {
      const update = parse(streamUpdateSchema);
      return update.stream_key === filter.streamKey ? { type: 'stream-update', data: update } : null;
    }
    case 'STREAM_DELETE': {
      const deleted = parse(streamDeleteSchema);
      return deleted.stream_key === filter.streamKey ? { type: 'stream-delete', data: deleted } : null;
    }
    default:
      return null;
  }
}

/** The MLS group id of the stream (protocol.md §1.5): rtc_channel_id, else rtc_server_id − 1. */
export function streamDaveGroupId(create: StreamCreate): string {
  if (create.rtc_channel_id) return create.rtc_channel_id;
  return (BigInt(create.rtc_server_id) - 1n).toString();
}
