// What a user clicking in Discord produces, and what Discord does with the bot's answers:
// registered application commands, COMPLETE INTERACTION_CREATE payloads (slash commands with
// subcommands and options, autocomplete, buttons, select menus, modal submits), the interaction
// callback with Discord's rules (one initial response, within 3 s), and the webhook routes for
// @original edits and follow-ups. Option values are typed from the registered command, so a test
// that types an option the command does not declare fails like Discord's client would refuse it.
import { performance } from 'node:perf_hooks';
import type { APIMessage } from 'discord-api-types/v10';
import type { SimGateway } from './gateway.ts';
import {
  choiceProblems,
  type MessageStore,
  messageFlags,
  messageProblems,
  modalProblems,
} from './messages.ts';
import { discordError, type RestCall, type RestRequest, type RestResponse, type RestRouter } from './rest.ts';
import { nextSnowflake, type SimUser, type SimWorld } from './world.ts';

/** How long Discord waits for the initial response before the interaction is gone. */
export const interactionResponseDeadlineMs = 3_000;

export const interactionTypes = { command: 2, component: 3, autocomplete: 4, modalSubmit: 5 } as const;
export const callbackTypes = {
  channelMessage: 4,
  deferredChannelMessage: 5,
  deferredUpdate: 6,
  updateMessage: 7,
  autocompleteResult: 8,
  modal: 9,
} as const;

const optionTypes = {
  subcommand: 1,
  subcommandGroup: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  number: 10,
} as const;

interface CommandOptionDefinition {
  type: number;
  name: string;
  required?: boolean;
  autocomplete?: boolean;
  options?: CommandOptionDefinition[];
}

interface RegisteredCommand {
  id: string;
  name: string;
  guildId: string | null;
  definition: Record<string, unknown> & { options?: CommandOptionDefinition[] };
}

export type OptionInput = string | number | boolean;

interface InteractionRecord {
  readonly id: string;
  readonly token: string;
  readonly type: number;
  readonly dispatchedAt: number;
  readonly channelId: string;
  /** The message a component or modal was on. */
  readonly sourceMessageId: string | null;
  /** The initial response's callback type, once the bot answered. */
  acknowledgedType: number | null;
  originalMessageId: string | null;
  /** How many versions the original had when the callback arrived (for deferred updates). */
  originalVersionsAtAck: number;
}

export interface InjectedInteraction {
  readonly id: string;
  readonly token: string;
  /** performance.now() when INTERACTION_CREATE went out. */
  readonly dispatchedAt: number;
  /** The bot's initial response (the callback call); rejects if none arrives in time. */
  response(timeoutMs?: number): Promise<RestCall>;
  /** What the user sees as the answer: the reply, the deferred reply once edited, or the updated message. */
  reply(timeoutMs?: number): Promise<APIMessage>;
  /** Autocomplete: the choices offered. */
  choices(timeoutMs?: number): Promise<{ name: string; value: string | number }[]>;
  /** The modal the bot opened in answer. */
  modal(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Follow-up messages so far. */
  followUps(): APIMessage[];
}

export interface InteractionContext {
  user: SimUser;
  /** Where the user typed or clicked; defaults to the guild's first text channel. */
  channelId?: string;
}

export class SimInteractions {
  readonly #world: SimWorld;
  readonly #gateway: SimGateway;
  readonly #rest: RestRouter;
  readonly #messages: MessageStore;
  readonly #commands = new Map<string, RegisteredCommand>();
  readonly #byToken = new Map<string, InteractionRecord>();

  constructor(world: SimWorld, gateway: SimGateway, rest: RestRouter, messages: MessageStore) {
    this.#world = world;
    this.#gateway = gateway;
    this.#rest = rest;
    this.#messages = messages;
    this.#installRoutes();
  }

  /** Commands the bot registered, by name. */
  registeredCommands(): RegisteredCommand[] {
    return [...this.#commands.values()];
  }

  /**
   * A slash command: `command(ctx, 'watchparty', 'seek', { time: '1:00' })`. `corrupt` may damage
   * the complete payload before it goes out, to test that the bot survives what Discord never sends.
   */
  command(
    context: InteractionContext,
    name: string,
    subcommand: string | null,
    options: Record<string, OptionInput> = {},
    corrupt?: (payload: Record<string, unknown>) => void,
  ) {
    const command = this.#command(name);
    const { options: built, resolved } = this.#buildOptions(command, subcommand, options, null);
    const data = {
      id: command.id,
      name,
      type: 1,
      guild_id: this.#world.guild.id,
      options: built,
      ...(resolved ? { resolved } : {}),
    };
    return this.#inject(context, interactionTypes.command, data, undefined, corrupt);
  }

  /** Autocomplete while the user types into `focused`; values arrive as raw text, as Discord sends them. */
  autocomplete(
    context: InteractionContext,
    name: string,
    subcommand: string | null,
    focused: string,
    typed: string,
    others: Record<string, OptionInput> = {},
  ) {
    const command = this.#command(name);
    const definition = this.#optionDefinitions(command, subcommand).find((option) => option.name === focused);
    if (!definition?.autocomplete) {
      throw new Error(
        `/${name} ${subcommand ?? ''}: option "${focused}" is not registered with autocomplete`,
      );
    }
    const { options: built } = this.#buildOptions(command, subcommand, others, { name: focused, typed });
    return this.#inject(context, interactionTypes.autocomplete, {
      id: command.id,
      name,
      type: 1,
      guild_id: this.#world.guild.id,
      options: built,
    });
  }

  /**
   * A click on a button of a stored message. The button must exist and be enabled, unless
   * `forgedCustomId` is given: then the click carries that id (a stale or tampered one).
   */
  button(
    context: InteractionContext,
    messageId: string,
    customId: string,
    options: { forgedCustomId?: string } = {},
  ) {
    const message = this.#componentMessage(messageId, customId, 2);
    return this.#inject(
      context,
      interactionTypes.component,
      { custom_id: options.forgedCustomId ?? customId, component_type: 2 },
      message,
    );
  }

  /** A choice in a string select menu of a stored message. */
  select(context: InteractionContext, messageId: string, customId: string, values: readonly string[]) {
    const message = this.#componentMessage(messageId, customId, 3);
    return this.#inject(
      context,
      interactionTypes.component,
      { custom_id: customId, component_type: 3, values: [...values] },
      message,
    );
  }

  /**
   * Submits the modal the bot opened in answer to `opener`, with text for its inputs by custom id.
   * `forgedCustomId` replaces the modal's own id (a tampered submission).
   */
  async submitModal(
    context: InteractionContext,
    opener: InjectedInteraction,
    values: Record<string, string>,
    options: { forgedCustomId?: string } = {},
  ): Promise<InjectedInteraction> {
    const modal = await opener.modal();
    const inputIds = textInputIds(modal);
    for (const key of Object.keys(values)) {
      if (!inputIds.includes(key))
        throw new Error(`the modal has no text input "${key}" (it has ${inputIds.join(', ')})`);
    }
    const record = this.#byToken.get(opener.token);
    const message = record?.sourceMessageId ? this.#messages.get(record.sourceMessageId)?.message : undefined;
    return this.#inject(
      context,
      interactionTypes.modalSubmit,
      {
        custom_id: options.forgedCustomId ?? String(modal.custom_id),
        components: inputIds.map((id) => ({
          type: 1,
          components: [{ type: 4, custom_id: id, value: values[id] ?? '' }],
        })),
      },
      message,
    );
  }

  #command(name: string): RegisteredCommand {
    const command = [...this.#commands.values()].find((candidate) => candidate.name === name);
    if (!command) throw new Error(`/${name} is not registered with the simulator; register commands first`);
    return command;
  }

  #optionDefinitions(command: RegisteredCommand, subcommand: string | null): CommandOptionDefinition[] {
    const top = command.definition.options ?? [];
    if (subcommand === null) return top;
    const sub = top.find((option) => option.type === optionTypes.subcommand && option.name === subcommand);
    if (!sub) throw new Error(`/${command.name} has no subcommand "${subcommand}"`);
    return sub.options ?? [];
  }

  #buildOptions(
    command: RegisteredCommand,
    subcommand: string | null,
    values: Record<string, OptionInput>,
    focused: { name: string; typed: string } | null,
  ) {
    const definitions = this.#optionDefinitions(command, subcommand);
    const resolvedChannels: Record<string, unknown> = {};
    const built: Record<string, unknown>[] = [];
    for (const [name, value] of Object.entries(values)) {
      const definition = definitions.find((option) => option.name === name);
      if (!definition) throw new Error(`/${command.name} ${subcommand ?? ''} has no option "${name}"`);
      built.push({ name, type: definition.type, value: this.#coerce(definition, value, resolvedChannels) });
    }
    if (focused) {
      const definition = definitions.find((option) => option.name === focused.name);
      built.push({
        name: focused.name,
        type: definition?.type ?? optionTypes.string,
        value: focused.typed,
        focused: true,
      });
    } else {
      for (const definition of definitions) {
        if (definition.required && !(definition.name in values)) {
          throw new Error(
            `/${command.name} ${subcommand ?? ''}: required option "${definition.name}" is missing`,
          );
        }
      }
    }
    const options =
      subcommand === null ? built : [{ type: optionTypes.subcommand, name: subcommand, options: built }];
    const resolved = Object.keys(resolvedChannels).length > 0 ? { channels: resolvedChannels } : null;
    return { options, resolved };
  }

  #coerce(
    definition: CommandOptionDefinition,
    value: OptionInput,
    resolvedChannels: Record<string, unknown>,
  ) {
    switch (definition.type) {
      case optionTypes.channel: {
        const channel = this.#world.channel(String(value));
        if (!channel)
          throw new Error(`option "${definition.name}": no channel ${String(value)} in the guild`);
        resolvedChannels[channel.id] = {
          ...this.#world.channelPayload(channel),
          permissions: String(this.#world.permissionsOf(this.#world.bot.id)),
        };
        return channel.id;
      }
      case optionTypes.integer:
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          throw new Error(
            `option "${definition.name}" takes an integer (Discord's client refuses anything else)`,
          );
        }
        return value;
      case optionTypes.number:
        if (typeof value !== 'number') throw new Error(`option "${definition.name}" takes a number`);
        return value;
      case optionTypes.boolean:
        if (typeof value !== 'boolean') throw new Error(`option "${definition.name}" takes true or false`);
        return value;
      default:
        return String(value);
    }
  }

  #componentMessage(messageId: string, customId: string, componentType: number): APIMessage {
    const message = this.#messages.get(messageId)?.message;
    if (!message) throw new Error(`no stored message ${messageId}`);
    const component = (message.components ?? [])
      .flatMap((row) => ('components' in row ? (row.components as unknown as Record<string, unknown>[]) : []))
      .find((candidate) => candidate.custom_id === customId && candidate.type === componentType);
    if (!component)
      throw new Error(`message ${messageId} has no component "${customId}" of type ${componentType}`);
    if (component.disabled === true)
      throw new Error(`component "${customId}" is disabled: a user cannot use it`);
    return message;
  }

  #inject(
    context: InteractionContext,
    type: number,
    data: Record<string, unknown>,
    message?: APIMessage,
    corrupt?: (payload: Record<string, unknown>) => void,
  ) {
    const world = this.#world;
    const id = nextSnowflake();
    const token = `sim-interaction-${id}-${Math.random().toString(36).slice(2)}`;
    const channelId =
      context.channelId ?? message?.channel_id ?? world.guild.channels.find((c) => c.kind === 'text')?.id;
    const channel = channelId ? world.channel(channelId) : undefined;
    if (!channel) throw new Error('the interaction needs a channel of the simulated guild');
    if (!world.guild.members.has(context.user.id))
      throw new Error(`${context.user.username} is not a guild member`);
    const payload = {
      id,
      token,
      type,
      application_id: world.applicationId,
      version: 1,
      guild_id: world.guild.id,
      guild: { id: world.guild.id, features: [], locale: world.guild.preferredLocale },
      channel_id: channel.id,
      channel: world.channelPayload(channel),
      member: world.interactionMemberPayload(context.user.id),
      app_permissions: String(world.permissionsOf(world.bot.id)),
      locale: context.user.locale,
      guild_locale: world.guild.preferredLocale,
      entitlements: [],
      authorizing_integration_owners: { 0: world.guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
      data,
      ...(message ? { message } : {}),
    };
    const record: InteractionRecord = {
      id,
      token,
      type,
      dispatchedAt: performance.now(),
      channelId: channel.id,
      sourceMessageId: message?.id ?? null,
      acknowledgedType: null,
      originalMessageId: null,
      originalVersionsAtAck: 0,
    };
    this.#byToken.set(token, record);
    corrupt?.(payload);
    this.#gateway.dispatchToBots('INTERACTION_CREATE', payload);
    if (this.#gateway.clients({ kind: 'bot' }).length === 0) {
      throw new Error('no bot is connected to the simulator to receive the interaction');
    }
    return this.#handleFor(record);
  }

  #handleFor(record: InteractionRecord): InjectedInteraction {
    const response = (timeoutMs = 5_000) =>
      this.#rest.waitFor(
        (call) =>
          call.route === 'POST /interactions/:id/:token/callback' &&
          call.params.token === record.token &&
          call.status < 300,
        timeoutMs,
      );
    return {
      id: record.id,
      token: record.token,
      dispatchedAt: record.dispatchedAt,
      response,
      reply: async (timeoutMs = 5_000) => {
        const call = await response(timeoutMs);
        const type = (call.body as { type: number }).type;
        const messageId = record.originalMessageId;
        if (messageId === null)
          throw new Error(`the interaction was answered with callback type ${type}, not a message`);
        if (type === callbackTypes.deferredChannelMessage) {
          return this.#messages.waitFor(
            (message) => message.id === messageId && ((message.flags ?? 0) & messageFlags.loading) === 0,
            timeoutMs,
          );
        }
        if (type === callbackTypes.deferredUpdate) {
          const versions = record.originalVersionsAtAck;
          await this.#messages.waitFor(
            (message) =>
              message.id === messageId && (this.#messages.get(messageId)?.history.length ?? 0) > versions,
            timeoutMs,
          );
        }
        const stored = this.#messages.get(messageId);
        if (!stored) throw new Error('the reply was deleted');
        return stored.message;
      },
      choices: async (timeoutMs = 5_000) => {
        const call = await response(timeoutMs);
        const body = call.body as {
          type: number;
          data?: { choices?: { name: string; value: string | number }[] };
        };
        if (body.type !== callbackTypes.autocompleteResult)
          throw new Error(`answered with type ${body.type}, not choices`);
        return body.data?.choices ?? [];
      },
      modal: async (timeoutMs = 5_000) => {
        const call = await response(timeoutMs);
        const body = call.body as { type: number; data?: Record<string, unknown> };
        if (body.type !== callbackTypes.modal)
          throw new Error(`answered with type ${body.type}, not a modal`);
        return body.data ?? {};
      },
      followUps: () =>
        this.#messages
          .forInteraction(record.token)
          .filter((message) => message.id !== record.originalMessageId),
    };
  }

  // ---- REST routes ----------------------------------------------------------------------------

  #installRoutes(): void {
    const rest = this.#rest;
    const putCommands = (request: RestRequest): RestResponse => {
      if (request.auth !== 'bot') return discordError(401, 0, '401: Unauthorized');
      if (request.params.app !== this.#world.applicationId) return discordError(403, 50001, 'Missing Access');
      const guildId = request.params.guild ?? null;
      if (guildId !== null && guildId !== this.#world.guild.id)
        return discordError(403, 50001, 'Missing Access');
      if (!Array.isArray(request.body)) return discordError(400, 50035, 'Invalid Form Body');
      // A PUT replaces the scope's whole set; a command that stays keeps its id, as on Discord.
      const previousIds = new Map<string, string>();
      for (const [key, command] of this.#commands) {
        if (command.guildId !== guildId) continue;
        previousIds.set(command.name, command.id);
        this.#commands.delete(key);
      }
      const stored = (request.body as Record<string, unknown>[]).map((definition) => {
        const command: RegisteredCommand = {
          id: previousIds.get(String(definition.name)) ?? nextSnowflake(),
          name: String(definition.name),
          guildId,
          definition,
        };
        this.#commands.set(`${guildId ?? 'global'}:${command.name}`, command);
        return this.#commandPayload(command);
      });
      return { status: 200, body: stored };
    };
    rest.route('PUT', '/applications/:app/commands', putCommands);
    rest.route('PUT', '/applications/:app/guilds/:guild/commands', putCommands);
    const listCommands = (request: RestRequest): RestResponse => {
      if (request.auth !== 'bot') return discordError(401, 0, '401: Unauthorized');
      const guildId = request.params.guild ?? null;
      return {
        status: 200,
        body: [...this.#commands.values()]
          .filter((c) => c.guildId === guildId)
          .map((c) => this.#commandPayload(c)),
      };
    };
    rest.route('GET', '/applications/:app/commands', listCommands);
    rest.route('GET', '/applications/:app/guilds/:guild/commands', listCommands);

    rest.route('POST', '/interactions/:id/:token/callback', (request) => this.#callback(request));

    rest.route('PATCH', '/webhooks/:app/:token/messages/:message', (request) => {
      const record = this.#webhookRecord(request);
      if (!record) return discordError(404, 10015, 'Unknown Webhook');
      const messageId =
        request.params.message === '@original' ? record.originalMessageId : request.params.message;
      const problems = messageProblems(request.body);
      if (problems.length > 0) return discordError(400, 50035, 'Invalid Form Body', problems);
      const edited = messageId ? this.#messages.edit(messageId, request.body as Record<string, never>) : null;
      return edited ? { status: 200, body: edited } : discordError(404, 10008, 'Unknown Message');
    });
    rest.route('GET', '/webhooks/:app/:token/messages/:message', (request) => {
      const record = this.#webhookRecord(request);
      const messageId =
        request.params.message === '@original' ? record?.originalMessageId : request.params.message;
      const stored = messageId ? this.#messages.get(messageId) : undefined;
      return stored ? { status: 200, body: stored.message } : discordError(404, 10008, 'Unknown Message');
    });
    rest.route('DELETE', '/webhooks/:app/:token/messages/:message', (request) => {
      const record = this.#webhookRecord(request);
      const messageId =
        request.params.message === '@original' ? record?.originalMessageId : request.params.message;
      return messageId && this.#messages.delete(messageId)
        ? { status: 204 }
        : discordError(404, 10008, 'Unknown Message');
    });
    rest.route('POST', '/webhooks/:app/:token', (request) => {
      const record = this.#webhookRecord(request);
      if (!record) return discordError(404, 10015, 'Unknown Webhook');
      if (record.acknowledgedType === null)
        return discordError(400, 40060, 'The interaction has not been acknowledged yet.');
      const problems = messageProblems(request.body);
      if (problems.length > 0) return discordError(400, 50035, 'Invalid Form Body', problems);
      const message = this.#messages.create(
        record.channelId,
        request.body as Record<string, never>,
        record.token,
      );
      return request.query.wait === 'true' ? { status: 200, body: message } : { status: 204 };
    });
  }

  #commandPayload(command: RegisteredCommand): Record<string, unknown> {
    return {
      type: 1,
      options: [],
      default_member_permissions: null,
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...command.definition,
      id: command.id,
      application_id: this.#world.applicationId,
      guild_id: command.guildId ?? undefined,
      version: nextSnowflake(),
    };
  }

  #webhookRecord(request: RestRequest): InteractionRecord | undefined {
    if (request.params.app !== this.#world.applicationId) return undefined;
    return this.#byToken.get(request.params.token ?? '');
  }

  #callback(request: RestRequest): RestResponse {
    const record = this.#byToken.get(request.params.token ?? '');
    if (!record || record.id !== request.params.id) return discordError(404, 10062, 'Unknown interaction');
    if (performance.now() - record.dispatchedAt > interactionResponseDeadlineMs) {
      return discordError(404, 10062, 'Unknown interaction');
    }
    if (record.acknowledgedType !== null)
      return discordError(400, 40060, 'Interaction has already been acknowledged.');
    const body = (request.body ?? {}) as { type?: unknown; data?: Record<string, unknown> };
    const problems = this.#callbackProblems(record, body);
    if (problems.length > 0) return discordError(400, 50035, 'Invalid Form Body', problems);
    const data = body.data ?? {};
    switch (body.type) {
      case callbackTypes.channelMessage:
        record.originalMessageId = this.#messages.create(record.channelId, data, record.token).id;
        break;
      case callbackTypes.deferredChannelMessage:
        record.originalMessageId = this.#messages.create(
          record.channelId,
          { flags: Number(data.flags ?? 0) },
          record.token,
          messageFlags.loading,
        ).id;
        break;
      case callbackTypes.deferredUpdate:
        record.originalMessageId = record.sourceMessageId;
        break;
      case callbackTypes.updateMessage:
        record.originalMessageId = record.sourceMessageId;
        if (record.sourceMessageId) this.#messages.edit(record.sourceMessageId, data);
        break;
      default:
        break;
    }
    record.originalVersionsAtAck = record.originalMessageId
      ? (this.#messages.get(record.originalMessageId)?.history.length ?? 0)
      : 0;
    record.acknowledgedType = Number(body.type);
    if (request.query.with_response !== 'true') return { status: 204 };
    const message = record.originalMessageId
      ? this.#messages.get(record.originalMessageId)?.message
      : undefined;
    return {
      status: 200,
      body: {
        interaction: {
          id: record.id,
          type: record.type,
          response_message_id: message?.id,
          response_message_loading: body.type === callbackTypes.deferredChannelMessage,
          response_message_ephemeral: ((message?.flags ?? 0) & messageFlags.ephemeral) !== 0,
        },
        resource: { type: body.type, ...(message ? { message } : {}) },
      },
    };
  }

  #callbackProblems(record: InteractionRecord, body: { type?: unknown; data?: unknown }): string[] {
    const isComponent = record.type === interactionTypes.component || record.sourceMessageId !== null;
    switch (body.type) {
      case callbackTypes.channelMessage:
      case callbackTypes.updateMessage:
        if (body.type === callbackTypes.updateMessage && !isComponent)
          return ['type: UPDATE_MESSAGE needs a message'];
        return record.type === interactionTypes.autocomplete
          ? ['type: autocomplete takes only choices']
          : messageProblems(body.data ?? {});
      case callbackTypes.deferredChannelMessage:
        return record.type === interactionTypes.autocomplete ? ['type: autocomplete takes only choices'] : [];
      case callbackTypes.deferredUpdate:
        return isComponent ? [] : ['type: DEFERRED_UPDATE_MESSAGE needs a message'];
      case callbackTypes.autocompleteResult:
        return record.type === interactionTypes.autocomplete
          ? choiceProblems(body.data)
          : ['type: not an autocomplete'];
      case callbackTypes.modal:
        if (record.type === interactionTypes.autocomplete || record.type === interactionTypes.modalSubmit) {
          return ['type: a modal cannot answer this interaction'];
        }
        return modalProblems(body.data);
      default:
        return [`type: unknown callback type ${String(body.type)}`];
    }
  }
}

function textInputIds(modal: Record<string, unknown>): string[] {
  const rows = Array.isArray(modal.components) ? (modal.components as Record<string, unknown>[]) : [];
  return rows.flatMap((row) => {
    const children = Array.isArray(row.components) ? (row.components as Record<string, unknown>[]) : [];
    const labelled = row.component ? [row.component as Record<string, unknown>] : [];
    return [...children, ...labelled]
      .filter((component) => component.type === 4 && typeof component.custom_id === 'string')
      .map((component) => String(component.custom_id));
  });
}
