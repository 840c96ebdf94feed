// The seam between the simulator's main gateway (sim/discord/gateway) and the voice side
// (sim/discord/voice): the voice side handles the opcodes a streaming client sends (4, 18, 19, 20,
// 21, 22) and answers with dispatches to that client, without knowing how the gateway is built.

export interface GatewayClientHandle {
  /** The Discord user behind this gateway connection. */
  readonly userId: string;
  /** The main gateway session id given in READY (voice servers check it). */
  readonly sessionId: string;
  /** Sends a dispatch (op 0) with the next sequence number to this connection only. */
  dispatch(eventName: string, data: unknown): void;
  /** Closes this connection with a close code, for fault injection. */
  close(code: number, reason?: string): void;
}

/** Returns true when it handled the opcode; the gateway records unhandled ones as divergences. */
export type GatewayOpHandler = (client: GatewayClientHandle, op: number, data: unknown) => boolean;
