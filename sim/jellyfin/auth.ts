// Who a request to the Jellyfin simulator is, as Jellyfin reads it: the `MediaBrowser` Authorization
// header, the `ApiKey` query parameter, and, on servers before 12.0, the legacy Emby headers, scheme
// and `api_key=`. One API key is valid; the client, device and version name the session.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Query } from './http.ts';

export type AuthScheme = 'MediaBrowser' | 'legacy' | 'ApiKey';

export interface AuthContext {
  scheme: AuthScheme | null;
  token: string | null;
  client: string;
  device: string;
  deviceId: string;
  version: string;
}

export interface SimAuthOptions {
  apiKey: string;
  /** The key's "App name": Jellyfin reports it as the session's Client. */
  apiKeyName: string;
  /** The DeviceId of a request that names none. */
  serverId: string;
  /** The Version of a request that names none. */
  version: string;
  legacy: boolean;
}

/** Jellyfin's header grammar: `Scheme Key="value", …`, values URL-decoded. */
function parseAuthorizationFields(value: string): { scheme: string; fields: Record<string, string> } | null {
  const space = value.indexOf(' ');
  if (space <= 0) return null;
  const fields: Record<string, string> = {};
  for (const match of value.slice(space + 1).matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
    const [, key, raw] = match;
    if (!key || raw === undefined) continue;
    try {
      fields[key] = decodeURIComponent(raw);
    } catch {
      fields[key] = raw;
    }
  }
  return { scheme: value.slice(0, space).toLowerCase(), fields };
}

export class SimAuth {
  readonly #options: SimAuthOptions;
  readonly #key: Buffer;

  constructor(options: SimAuthOptions) {
    this.#options = options;
    this.#key = Buffer.from(options.apiKey);
  }

  validKey(token: string | null): boolean {
    if (!token) return false;
    const candidate = Buffer.from(token);
    // Compare in constant time; unequal lengths still do one comparison.
    return candidate.length === this.#key.length
      ? timingSafeEqual(candidate, this.#key)
      : !timingSafeEqual(this.#key, this.#key);
  }

  authenticate(request: IncomingMessage, query: Query): AuthContext {
    const { legacy } = this.#options;
    const context: AuthContext = {
      scheme: null,
      token: null,
      client: this.#options.apiKeyName,
      device: 'Unknown',
      deviceId: this.#options.serverId,
      version: this.#options.version,
    };
    const header =
      request.headers.authorization ?? (legacy ? request.headers['x-emby-authorization'] : undefined);
    const parsed = typeof header === 'string' ? parseAuthorizationFields(header) : null;
    if (parsed && (parsed.scheme === 'mediabrowser' || (legacy && parsed.scheme === 'emby'))) {
      context.scheme =
        parsed.scheme === 'mediabrowser' && request.headers.authorization ? 'MediaBrowser' : 'legacy';
      context.token = parsed.fields.Token ?? null;
      context.device = parsed.fields.Device ?? context.device;
      context.deviceId = parsed.fields.DeviceId ?? context.deviceId;
      context.version = parsed.fields.Version ?? context.version;
    }
    if (!context.token && legacy) {
      const legacyToken = request.headers['x-emby-token'] ?? request.headers['x-mediabrowser-token'];
      if (typeof legacyToken === 'string') {
        context.token = legacyToken;
        context.scheme = 'legacy';
      }
    }
    if (!context.token && query.has('apikey')) {
      context.token = query.get('apikey') ?? null;
      context.scheme = 'ApiKey';
    }
    if (!context.token && legacy && query.has('api_key')) {
      context.token = query.get('api_key') ?? null;
      context.scheme = 'legacy';
    }
    return context;
  }
}
