// What to do when a voice websocket closes (protocol.md §2.5, §8.2): one exhaustive switch, so every
// code has a decision a reader can find, and unknown codes get a logged default.

export type CloseDecision =
  /** Open a new websocket to the same endpoint and send RESUME; UDP, key and DAVE stay valid. */
  | { action: 'resume' }
  /** The voice session is gone: get fresh credentials and connect from scratch. */
  | { action: 'reconnect'; reason: string }
  /** Kicked, moved or the stream was deleted: never reconnect this socket; look at the main gateway. */
  | { action: 'disconnected'; reason: string }
  /** Our bug or a refusal: give up with a reason a person can act on. */
  | { action: 'fatal'; reason: string };

export const VoiceCloseCode = {
  unknownOpcode: 4001,
  failedToDecode: 4002,
  notAuthenticated: 4003,
  authenticationFailed: 4004,
  alreadyAuthenticated: 4005,
  sessionNoLongerValid: 4006,
  sessionTimeout: 4009,
  serverNotFound: 4011,
  unknownProtocol: 4012,
  disconnected: 4014,
  voiceServerCrashed: 4015,
  unknownEncryptionMode: 4016,
  daveRequired: 4017,
  badRequest: 4020,
  rateLimited: 4021,
  callTerminated: 4022,
} as const;

export type KnownVoiceCloseCode = (typeof VoiceCloseCode)[keyof typeof VoiceCloseCode];

const known = new Set<number>(Object.values(VoiceCloseCode));

function isKnown(code: number): code is KnownVoiceCloseCode {
  return known.has(code);
}

/**
 * @param code the websocket close code
 * @param closedByUs true when we closed the socket on purpose (stop, server move, missed acks are
 *   handled by the caller): then a 1000/1005 is not a reason to resume.
 */
export function decideOnClose(code: number, closedByUs: boolean): CloseDecision {
  if (closedByUs) return { action: 'disconnected', reason: 'closed by us' };
  if (!isKnown(code)) {
    if (code < 4000) return { action: 'resume' };
    return { action: 'reconnect', reason: `unknown close code ${code}` };
  }
  switch (code) {
    case VoiceCloseCode.voiceServerCrashed:
      return { action: 'resume' };
    case VoiceCloseCode.sessionNoLongerValid:
      return { action: 'reconnect', reason: 'voice session no longer valid (4006)' };
    case VoiceCloseCode.sessionTimeout:
      return { action: 'reconnect', reason: 'voice session timed out (4009)' };
    case VoiceCloseCode.disconnected:
      return {
        action: 'disconnected',
        reason: 'disconnected by Discord (4014: kicked, moved or stream ended)',
      };
    case VoiceCloseCode.daveRequired:
      return { action: 'fatal', reason: 'voice server requires DAVE end-to-end encryption (4017)' };
    case VoiceCloseCode.unknownEncryptionMode:
      return { action: 'fatal', reason: 'voice server rejected the transport encryption mode (4016)' };
    case VoiceCloseCode.authenticationFailed:
      return { action: 'fatal', reason: 'voice server rejected the token (4004)' };
    case VoiceCloseCode.serverNotFound:
      return { action: 'fatal', reason: 'voice server does not know this server_id (4011)' };
    case VoiceCloseCode.unknownProtocol:
      return { action: 'fatal', reason: 'voice server rejected the protocol (4012)' };
    case VoiceCloseCode.rateLimited:
      return { action: 'fatal', reason: 'rate limited by the voice server (4021)' };
    case VoiceCloseCode.callTerminated:
      return { action: 'fatal', reason: 'call terminated by Discord (4022)' };
    case VoiceCloseCode.unknownOpcode:
    case VoiceCloseCode.failedToDecode:
    case VoiceCloseCode.notAuthenticated:
    case VoiceCloseCode.alreadyAuthenticated:
    case VoiceCloseCode.badRequest:
      return { action: 'fatal', reason: `voice server reports a protocol error (${code})` };
    default: {
      const unhandled: never = code;
      return { action: 'fatal', reason: `unhandled close code ${String(unhandled)}` };
    }
  }
}
