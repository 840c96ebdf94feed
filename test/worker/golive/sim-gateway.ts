// An in-test MainGateway wired straight to the simulator's voice side: our ops go to its
// GatewayOpHandler, its dispatches come back asynchronously, as they would over a socket.
import type { GatewayClientHandle } from '../../../sim/discord/gateway-hooks.ts';
import type { VoiceSim } from '../../../sim/discord/voice/index.ts';
import { type MainGateway, readySchema } from '../../../src/worker/golive/main-gateway.ts';

export interface SimMainGateway extends MainGateway {
  /** Every op we sent, in order. */
  readonly sent: Array<{ op: number; d: unknown }>;
  readonly previews: Array<{ streamKey: string; thumbnail: string }>;
  /**
   * Delivers a dispatch as if the main gateway had sent it (READY after a re-identify, …); a READY
   * starts its session, for us and for the simulator, as it is delivered.
   */
  inject(event: string, data: unknown): void;
}

export function simMainGateway(
  voice: VoiceSim,
  userId: string,
  firstSessionId = 'main-session-1',
): SimMainGateway {
  let sessionId = firstSessionId;
  const listeners = new Set<(event: string, data: unknown) => void>();
  const sent: Array<{ op: number; d: unknown }> = [];
  const previews: Array<{ streamKey: string; thumbnail: string }> = [];
  const deliver = (event: string, data: unknown): void => {
    setImmediate(() => {
      const ready = event === 'READY' ? readySchema.safeParse(data) : null;
      if (ready?.success) sessionId = ready.data.session_id;
      for (const listener of listeners) listener(event, structuredClone(data));
    });
  };
  const handle: GatewayClientHandle = {
    userId,
    get sessionId() {
      return sessionId;
    },
    dispatch: deliver,
    close: () => {},
  };
  return {
    userId,
    get sessionId() {
      return sessionId;
    },
    sent,
    previews,
    inject: deliver,
    send(op, d) {
      sent.push({ op, d });
      if (!voice.opHandler(handle, op, structuredClone(d)))
        throw new Error(`the simulator does not handle op ${op}`);
    },
    onDispatch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async uploadStreamPreview(streamKey, thumbnail) {
      previews.push({ streamKey, thumbnail });
    },
    async destroy() {
      listeners.clear();
    },
  };
}
