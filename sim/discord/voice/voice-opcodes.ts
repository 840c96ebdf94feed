// Voice gateway v8 opcodes and close codes (protocol.md §2.2, 2.5, 6.1).

export const VoiceOp = {
  Identify: 0,
  SelectProtocol: 1,
  Ready: 2,
  Heartbeat: 3,
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
  ClientsConnect: 11,
  Video: 12,
  ClientDisconnect: 13,
  VoiceBackendVersion: 16,
  DavePrepareTransition: 21,
  DaveExecuteTransition: 22,
  DaveReadyForTransition: 23,
  DavePrepareEpoch: 24,
  DaveExternalSenderPackage: 25,
  DaveKeyPackage: 26,
  DaveProposals: 27,
  DaveCommitWelcome: 28,
  DaveAnnounceCommitTransition: 29,
  DaveWelcome: 30,
  DaveInvalidCommitWelcome: 31,
} as const;

export const VoiceClose = {
  UnknownOpcode: 4001,
  DecodeError: 4002,
  NotAuthenticated: 4003,
  AuthenticationFailed: 4004,
  AlreadyAuthenticated: 4005,
  SessionInvalid: 4006,
  SessionTimeout: 4009,
  ServerNotFound: 4011,
  UnknownProtocol: 4012,
  Disconnected: 4014,
  ServerCrashed: 4015,
  UnknownEncryptionMode: 4016,
  DaveRequired: 4017,
} as const;

/** Codes after which the server keeps the session for a RESUME (protocol.md §2.5: < 4000 and 4015). */
export function isResumableClose(code: number): boolean {
  return code < 4000 || code === VoiceClose.ServerCrashed;
}
