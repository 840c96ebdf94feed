// The voice gateway's JSON payloads we act on (protocol.md §2, §6.1), checked before anything reads
// them: a field that is missing or of the wrong type is refused by name instead of becoming
// "undefined" or NaN further down. Ops we ignore (heartbeat acks, others' SPEAKING and VIDEO,
// SESSION_UPDATE, …) are not parsed at all.
import { z } from 'zod';
import { DaveOp } from './dave.ts';
import { VoiceOp } from './voice-socket.ts';

const ssrc = z.number().int().min(0).max(0xffff_ffff);
/** Discord sends user ids as strings (snowflakes do not fit a double). */
const userId = z.string().min(1);
const transitionId = z.number().int().min(0);
const protocolVersion = z.number().int();

const helloSchema = z.object({ heartbeat_interval: z.number().positive() });

const readySchema = z.object({
  ssrc,
  ip: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  modes: z.array(z.string()),
  /** The video stream's SSRCs; the voice channel's READY may leave them out. */
  streams: z.array(z.object({ ssrc, rtx_ssrc: ssrc })).optional(),
});

const sessionDescriptionSchema = z.object({
  mode: z.string(),
  secret_key: z.array(z.number().int().min(0).max(255)),
  video_codec: z.string().optional(),
  dave_protocol_version: z.number().int().optional(),
});

export type ReadyPayload = z.output<typeof readySchema>;
export type SessionDescriptionPayload = z.output<typeof sessionDescriptionSchema>;

const schemas = {
  [VoiceOp.hello]: helloSchema,
  [VoiceOp.ready]: readySchema,
  [VoiceOp.sessionDescription]: sessionDescriptionSchema,
  [VoiceOp.resumed]: z.unknown(),
  [VoiceOp.clientsConnect]: z.object({ user_ids: z.array(userId) }),
  [VoiceOp.clientDisconnect]: z.object({ user_id: userId }),
  [DaveOp.prepareTransition]: z.object({ transition_id: transitionId, protocol_version: protocolVersion }),
  [DaveOp.executeTransition]: z.object({ transition_id: transitionId }),
  [DaveOp.prepareEpoch]: z.object({ epoch: z.number().int(), protocol_version: protocolVersion }),
};

type Schemas = typeof schemas;

const opNames = new Map<number, string>(
  [...Object.entries(VoiceOp), ...Object.entries(DaveOp)].map(([name, op]) => [op, name]),
);

/** One payload we act on, typed by its opcode. */
export type VoicePayload = {
  [Op in keyof Schemas]: { op: Op; d: z.output<Schemas[Op]> };
}[keyof Schemas];

export type ParsedVoicePacket =
  | { kind: 'payload'; payload: VoicePayload }
  /** An op we do not act on. */
  | { kind: 'ignored' }
  /** `reason` names the op and the first offending field. */
  | { kind: 'malformed'; reason: string };

function isKnownOp(op: number): op is keyof Schemas {
  return Object.hasOwn(schemas, op);
}

export function parseVoicePacket(op: number, d: unknown): ParsedVoicePacket {
  if (!isKnownOp(op)) return { kind: 'ignored' };
  const result = schemas[op].safeParse(d);
  // The cast only restates what the lookup did: TypeScript cannot tie `op` to its schema's output.
  if (result.success) return { kind: 'payload', payload: { op, d: result.data } as VoicePayload };
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'd';
  const message = issue?.message ?? 'invalid';
  return {
    kind: 'malformed',
    reason: `malformed ${opNames.get(op)} (op ${op}) from the voice server: ${field}: ${message}`,
  };
}
