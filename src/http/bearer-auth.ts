// Bearer tokens for the JSON API: every configured token is compared (in constant time, see
// src/bearer-token.ts), so which one matched doesn't leak through timing either.
import { bearerCredential, digestMatches, tokenDigest } from '../bearer-token.ts';

export interface TokenChecker {
  /** The label of the matching token (`token-1`, …), or null. Never the token itself. */
  identify(authorizationHeader: string | undefined): string | null;
}

export function createTokenChecker(tokens: readonly string[]): TokenChecker {
  const digests = tokens.map((token, index) => ({ label: `token-${index + 1}`, digest: tokenDigest(token) }));
  return {
    identify(header) {
      const presented = bearerCredential(header);
      let label: string | null = null;
      for (const candidate of digests) {
        if (digestMatches(presented, candidate.digest)) label ??= candidate.label;
      }
      return label;
    },
  };
}
