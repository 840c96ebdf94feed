// Bearer tokens for the JSON API, compared in constant time: each candidate is hashed to a fixed
// length first, and every configured token is compared, so neither a token's length nor which one
// matched leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface TokenChecker {
  /** The label of the matching token (`token-1`, …), or null. Never the token itself. */
  identify(authorizationHeader: string | undefined): string | null;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function createTokenChecker(tokens: readonly string[]): TokenChecker {
  const digests = tokens.map((token, index) => ({ label: `token-${index + 1}`, digest: digest(token) }));
  return {
    identify(header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      const presented = digest(match?.[1] ?? '');
      let label: string | null = null;
      for (const candidate of digests) {
        if (timingSafeEqual(presented, candidate.digest) && match) label ??= candidate.label;
      }
      return label;
    },
  };
}
