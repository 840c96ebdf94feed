// "Log in with Discord": the OAuth2 authorization code flow with scopes `identify guilds`, and the
// two reads the dashboard needs with the member's access token. Every answer is checked with zod;
// what goes wrong is a DiscordLoginError whose message is for the log, never for the page.
import { z } from 'zod';

export const oauthScopes = 'identify guilds';

const tokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string() });
const userSchema = z.object({
  id: z.string().regex(/^\d{15,21}$/),
  username: z.string(),
  global_name: z.string().nullish(),
});
const guildsSchema = z.array(z.object({ id: z.string().regex(/^\d{15,21}$/) }));

export interface DiscordIdentity {
  userId: string;
  username: string;
  guildIds: string[];
}

export class DiscordLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscordLoginError';
  }
}

export interface DiscordOAuthOptions {
  /** `https://discord.com`, or the simulator's address (DISCORD_API_BASE). */
  discordBase: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export class DiscordOAuth {
  readonly #options: DiscordOAuthOptions;

  constructor(options: DiscordOAuthOptions) {
    this.#options = options;
  }

  /** Where the browser goes to log in; Discord sends it back to the redirect URI with `code` and `state`. */
  authorizeUrl(state: string): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.#options.clientId,
      scope: oauthScopes,
      redirect_uri: this.#options.redirectUri,
      state,
      prompt: 'none',
    });
    return `${this.#options.discordBase}/oauth2/authorize?${query}`;
  }

  /** Trades the code for an access token, then reads who the member is and which guilds they are in. */
  async identify(code: string): Promise<DiscordIdentity> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.#options.redirectUri,
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
    });
    const token = await this.#call('token exchange', tokenSchema, '/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const auth = { headers: { authorization: `Bearer ${token.access_token}` } };
    const [user, guilds] = await Promise.all([
      this.#call('user read', userSchema, '/users/@me', auth),
      this.#call('guild list', guildsSchema, '/users/@me/guilds', auth),
    ]);
    return {
      userId: user.id,
      username: user.global_name ?? user.username,
      guildIds: guilds.map((guild) => guild.id),
    };
  }

  async #call<S extends z.ZodType>(
    what: string,
    schema: S,
    path: string,
    init: RequestInit,
  ): Promise<z.output<S>> {
    let response: Response;
    try {
      response = await fetch(`${this.#options.discordBase}/api/v10${path}`, {
        ...init,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new DiscordLoginError(`Discord's ${what} failed: ${(error as Error).message}`);
    }
    if (!response.ok) throw new DiscordLoginError(`Discord's ${what} answered ${response.status}`);
    const parsed = schema.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new DiscordLoginError(`Discord's ${what} answered an unexpected shape`);
    return parsed.data;
  }
}
