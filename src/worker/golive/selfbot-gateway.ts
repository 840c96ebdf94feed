// The production MainGateway: discord.js-selfbot-v13 logged in as the streaming account. We only
// use its raw socket: its own voice manager would race with our connections (protocol.md §1.1).
import { Client } from 'discord.js-selfbot-v13';
import { errorMessage } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import { WorkerFailureError } from '../worker-failure.ts';
import { type MainGateway, readySchema } from './main-gateway.ts';

const LOGIN_TIMEOUT_MS = 30_000;

interface RawPacket {
  t?: string | null;
  d?: unknown;
}

/** The selfbot's untyped REST router: `client.api.streams[key].preview.post({ data })`. */
interface StreamsRoute {
  streams: Record<string, { preview: { post(options: { data: unknown }): Promise<unknown> } }>;
}

export interface SelfbotGatewayOptions {
  token: string;
  /** The simulator's base URL; never set in production. */
  apiBase?: string;
  log: Logger;
}

export async function connectSelfbotGateway(options: SelfbotGatewayOptions): Promise<MainGateway> {
  const { apiBase, log } = options;
  const client = new Client(
    apiBase
      ? { http: { api: `${apiBase.replace(/\/+$/, '')}/api`, agent: { uri: apiBase, proxyTunnel: false } } }
      : {},
  );
  client.on('error', (error) => log.warn({ err: error }, 'main gateway error'));
  client.on('shardDisconnect', (event, shardId) =>
    log.warn({ code: event.code, shardId }, 'main gateway disconnected'),
  );
  client.on('shardResume', (shardId) => log.info({ shardId }, 'main gateway resumed'));
  // Listening before login and before any Go Live: each READY's session id is known by the time the
  // Go Live reads that READY or a voice state of the new session.
  let sessionId = '';
  client.on('raw', (packet: RawPacket) => {
    if (packet.t !== 'READY') return;
    const ready = readySchema.safeParse(packet.d);
    if (ready.success) sessionId = ready.data.session_id;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.login(options.token),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('streaming account login timed out')), LOGIN_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    client.destroy();
    throw new WorkerFailureError(
      'stream_login_failed',
      `streaming account could not log in: ${errorMessage(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  const user = client.user;
  if (!user) throw new Error('streaming account logged in without a user');
  log.info({ userId: user.id }, 'streaming account logged in');
  let destroyed = false;
  return {
    userId: user.id,
    get sessionId() {
      return sessionId;
    },
    send(op, d) {
      client.ws.broadcast({ op, d });
    },
    onDispatch(listener) {
      const onRaw = (packet: RawPacket): void => {
        if (typeof packet.t === 'string') listener(packet.t, packet.d);
      };
      client.on('raw', onRaw);
      return () => client.off('raw', onRaw);
    },
    async uploadStreamPreview(streamKey, thumbnailDataUrl) {
      const api = (client as unknown as { api: StreamsRoute }).api;
      await api.streams[encodeURIComponent(streamKey)]!.preview.post({
        data: { thumbnail: thumbnailDataUrl },
      });
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      client.destroy();
    },
  };
}
