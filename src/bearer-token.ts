// Bearer-token checks shared by the bot's JSON API and the worker's contract server. Tokens are
// hashed to a fixed length before a constant-time comparison, so neither a token's content nor its
// length leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

/** A fixed-length fingerprint of a token, for timing-safe comparison. */
export function tokenDigest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The credential of an `Authorization: Bearer …` header, or null when there is none. */
export function bearerCredential(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;
}

/** Compares a presented credential with an expected digest in constant time. */
export function digestMatches(presented: string | null, expected: Buffer): boolean {
  return timingSafeEqual(tokenDigest(presented ?? ''), expected) && presented !== null;
}
