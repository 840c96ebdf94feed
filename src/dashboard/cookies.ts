// The dashboard's cookies: HMAC-signed values (a cookie the bot did not write is ignored), always
// HttpOnly and SameSite=Lax, and Secure when members reach the bot over https.
import { createHmac, timingSafeEqual } from 'node:crypto';

export class CookieJar {
  readonly #key: Buffer;
  readonly #secure: boolean;

  /** `secret` is a setting only the bot knows (the OAuth2 client secret); the key is derived from it. */
  constructor(secret: string, options: { secure: boolean }) {
    this.#key = createHmac('sha256', secret).update('orb-watch-party dashboard cookies').digest();
    this.#secure = options.secure;
  }

  /** The verified value of a signed cookie, or null when it is absent, altered or not ours. */
  read(cookieHeader: string | undefined, name: string): string | null {
    const signed = readCookie(cookieHeader, name);
    if (signed === null) return null;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    const expected = Buffer.from(this.#mac(name, value));
    const given = Buffer.from(signed.slice(dot + 1));
    return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
  }

  /** A Set-Cookie header value; the name is signed with the value so one cookie cannot stand in for another. */
  write(name: string, value: string, maxAgeSeconds: number): string {
    return this.#header(name, `${value}.${this.#mac(name, value)}`, maxAgeSeconds);
  }

  clear(name: string): string {
    return this.#header(name, '', 0);
  }

  #mac(name: string, value: string): string {
    return createHmac('sha256', this.#key).update(`${name}=${value}`).digest('base64url');
  }

  #header(name: string, value: string, maxAgeSeconds: number): string {
    const secure = this.#secure ? '; Secure' : '';
    return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
  }
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
