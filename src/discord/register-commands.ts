// `register-commands`: publishes the slash commands. Guild-scoped when a guild id is given (changes
// show at once, for development and single-server installs), global otherwise. A PUT replaces the
// whole set, so running it again changes nothing and removed commands disappear.
import { REST, Routes } from 'discord.js';
import { watchpartyCommand } from '../commands/watchparty-definition.ts';
import { restOptionsFor } from './client.ts';

export interface RegisterCommandsOptions {
  token: string;
  applicationId: string;
  guildId?: string | undefined;
  apiBase?: string | undefined;
}

export interface RegisteredCommands {
  scope: 'guild' | 'global';
  names: string[];
}

export async function registerCommands(options: RegisterCommandsOptions): Promise<RegisteredCommands> {
  const rest = new REST(restOptionsFor(options.apiBase)).setToken(options.token);
  const route =
    options.guildId === undefined
      ? Routes.applicationCommands(options.applicationId)
      : Routes.applicationGuildCommands(options.applicationId, options.guildId);
  const registered = (await rest.put(route, { body: [watchpartyCommand()] })) as { name: string }[];
  return {
    scope: options.guildId === undefined ? 'global' : 'guild',
    names: registered.map((command) => command.name),
  };
}
