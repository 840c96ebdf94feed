// The user ids of the streaming accounts (STREAMER_TOKENS), so the voice audience does not count the
// account that plays a party as someone watching it. Each token asks Discord who it is, once, at
// start; a token Discord refuses cannot stream either, so it is only logged (by position, never its
// value) and left out.
import { REST } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import { restOptionsFor } from './client.ts';

const accountSchema = z.looseObject({ id: z.string().regex(/^\d+$/) });

export async function streamingAccountIds(options: {
  tokens: readonly string[];
  apiBase: string | undefined;
  logger: Logger;
  timeoutMs?: number;
}): Promise<Set<string>> {
  const rest = new REST({
    ...restOptionsFor(options.apiBase),
    retries: 0,
    timeout: options.timeoutMs ?? 10_000,
  });
  const ids = await Promise.all(
    options.tokens.map(async (token, index) => {
      try {
        // A user token goes in the header bare, without `Bot `.
        const me = await rest.get('/users/@me', { auth: false, headers: { Authorization: token } });
        return accountSchema.parse(me).id;
      } catch (error) {
        options.logger.warn(
          { entry: index + 1, reason: error instanceof Error ? error.name : 'unknown' },
          'could not tell which account a STREAMER_TOKENS entry is; it may be counted as watching',
        );
        return null;
      }
    }),
  );
  return new Set(ids.filter((id): id is string => id !== null));
}
