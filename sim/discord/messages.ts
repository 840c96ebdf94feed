// What users see: every message the bot posted or edited (channel messages, interaction replies,
// follow-ups), with its edit history, plus Discord's size limits so a payload real Discord would
// refuse is refused here too (400, code 50035) instead of passing silently. Uploaded files become
// attachments as Discord makes them: an embed image naming `attachment://file` shows that attachment,
// and an edit keeps the old attachments unless it lists the ones to keep.
import type { APIAttachment, APIEmbed, APIMessage } from 'discord-api-types/v10';
import { nextSnowflake, type SimWorld } from './world.ts';

export const messageFlags = { ephemeral: 64, loading: 128 } as const;

export interface StoredMessage {
  readonly message: APIMessage;
  /** The interaction token whose reply or follow-up this is, if any. */
  readonly interactionToken: string | null;
  /** Every edit, oldest first (what the message looked like after each one). */
  readonly history: APIMessage[];
}

type MessageBody = Partial<
  Pick<APIMessage, 'content' | 'embeds' | 'components' | 'flags' | 'attachments' | 'tts'>
> & { allowed_mentions?: unknown };

/** A file uploaded with a message (multipart), as the REST side decoded it. */
export interface UploadedFile {
  name: string;
  size: number;
}

/** Attachments after a write: the kept ones (all, unless the body lists which), then the uploads. */
function attachmentsAfter(
  before: APIAttachment[],
  body: MessageBody,
  files: readonly UploadedFile[],
  channelId: string,
): APIAttachment[] {
  const keep = body.attachments?.map((attachment) => attachment.id);
  const kept = keep === undefined ? before : before.filter((attachment) => keep.includes(attachment.id));
  const added = files.map((file): APIAttachment => {
    const id = nextSnowflake();
    const url = `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(file.name)}`;
    return { id, filename: file.name, size: file.size, url, proxy_url: url };
  });
  return [...kept, ...added];
}

/** `attachment://name` in an embed's images, replaced by that attachment's address. */
function resolveAttachmentImages(embeds: APIEmbed[], attachments: APIAttachment[]): APIEmbed[] {
  const resolve = <T extends { url: string }>(image: T | undefined): T | undefined => {
    if (!image?.url.startsWith('attachment://')) return image;
    const named = attachments.find((attachment) => `attachment://${attachment.filename}` === image.url);
    return named ? { ...image, url: named.url, proxy_url: named.proxy_url } : image;
  };
  return embeds.map((embed) => {
    const thumbnail = resolve(embed.thumbnail);
    const image = resolve(embed.image);
    return { ...embed, ...(thumbnail ? { thumbnail } : {}), ...(image ? { image } : {}) };
  });
}

export class MessageStore {
  readonly #world: SimWorld;
  readonly #byId = new Map<string, StoredMessage>();
  readonly #listeners = new Set<(stored: StoredMessage) => void>();

  constructor(world: SimWorld) {
    this.#world = world;
  }

  get(messageId: string): StoredMessage | undefined {
    return this.#byId.get(messageId);
  }

  /** Messages in a channel, oldest first; ephemeral ones only when asked for. */
  inChannel(channelId: string, options: { includeEphemeral?: boolean } = {}): APIMessage[] {
    return [...this.#byId.values()]
      .map((stored) => stored.message)
      .filter(
        (message) =>
          message.channel_id === channelId &&
          (options.includeEphemeral === true || ((message.flags ?? 0) & messageFlags.ephemeral) === 0),
      );
  }

  /** All messages answering one interaction (its reply, then follow-ups). */
  forInteraction(token: string): APIMessage[] {
    return [...this.#byId.values()]
      .filter((stored) => stored.interactionToken === token)
      .map((stored) => stored.message);
  }

  /** Resolves with the first message (now or later) satisfying the predicate. */
  waitFor(predicate: (message: APIMessage) => boolean, timeoutMs = 5_000): Promise<APIMessage> {
    for (const stored of this.#byId.values())
      if (predicate(stored.message)) return Promise.resolve(stored.message);
    return new Promise((resolve, reject) => {
      const onChange = (stored: StoredMessage) => {
        if (!predicate(stored.message)) return;
        clearTimeout(timer);
        this.#listeners.delete(onChange);
        resolve(stored.message);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(onChange);
        reject(new Error(`no message matched within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(onChange);
    });
  }

  create(
    channelId: string,
    body: MessageBody,
    interactionToken: string | null,
    extraFlags = 0,
    files: readonly UploadedFile[] = [],
  ): APIMessage {
    const attachments = attachmentsAfter([], body, files, channelId);
    const message: APIMessage = {
      id: nextSnowflake(),
      type: interactionToken === null ? 0 : 20,
      channel_id: channelId,
      author: this.#world.userPayload(this.#world.bot),
      content: body.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body.tts ?? false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments,
      embeds: resolveAttachmentImages(body.embeds ?? [], attachments),
      components: body.components ?? [],
      pinned: false,
      flags: (body.flags ?? 0) | extraFlags,
      ...(interactionToken === null ? {} : { webhook_id: this.#world.applicationId }),
      application_id: this.#world.applicationId,
    };
    const stored = { message, interactionToken, history: [message] };
    this.#byId.set(message.id, stored);
    this.#notify(stored);
    return message;
  }

  /** Applies an edit; returns null for an unknown message. A deferred reply stops "thinking". */
  edit(messageId: string, body: MessageBody, files: readonly UploadedFile[] = []): APIMessage | null {
    const stored = this.#byId.get(messageId);
    if (!stored) return null;
    const before = stored.message;
    const attachments = attachmentsAfter(before.attachments, body, files, before.channel_id);
    const next: APIMessage = {
      ...before,
      attachments,
      ...(body.content === undefined ? {} : { content: body.content ?? '' }),
      ...(body.embeds === undefined ? {} : { embeds: resolveAttachmentImages(body.embeds, attachments) }),
      ...(body.components === undefined ? {} : { components: body.components }),
      flags: (before.flags ?? 0) & ~messageFlags.loading,
      edited_timestamp: new Date().toISOString(),
    };
    const updated = { ...stored, message: next, history: [...stored.history, next] };
    this.#byId.set(messageId, updated);
    this.#notify(updated);
    return next;
  }

  delete(messageId: string): boolean {
    return this.#byId.delete(messageId);
  }

  #notify(stored: StoredMessage): void {
    for (const listener of [...this.#listeners]) listener(stored);
  }
}

// ---- Discord's limits ---------------------------------------------------------------------------

/** Problems real Discord would answer with 400/50035, as `path: why` strings; empty when fine. */
export function messageProblems(body: unknown): string[] {
  if (body === null || typeof body !== 'object') return ['body: must be a JSON object'];
  const problems: string[] = [];
  const message = body as Record<string, unknown>;
  if (typeof message.content === 'string' && message.content.length > 2000) {
    problems.push('content: must be 2000 or fewer in length');
  }
  const embeds = message.embeds;
  if (Array.isArray(embeds)) {
    if (embeds.length > 10) problems.push('embeds: must be 10 or fewer in length');
    embeds.forEach((embed, index) => {
      problems.push(...embedProblems(embed as Record<string, unknown>, `embeds.${index}`));
    });
  }
  if (Array.isArray(message.components))
    problems.push(...componentProblems(message.components, 'components'));
  return problems;
}

function embedProblems(embed: Record<string, unknown>, path: string): string[] {
  const problems: string[] = [];
  const limit = (value: unknown, max: number, field: string) => {
    if (typeof value === 'string' && value.length > max)
      problems.push(`${path}.${field}: must be ${max} or fewer in length`);
  };
  limit(embed.title, 256, 'title');
  limit(embed.description, 4096, 'description');
  limit((embed.footer as { text?: unknown } | undefined)?.text, 2048, 'footer.text');
  limit((embed.author as { name?: unknown } | undefined)?.name, 256, 'author.name');
  const fields = Array.isArray(embed.fields) ? (embed.fields as Record<string, unknown>[]) : [];
  if (fields.length > 25) problems.push(`${path}.fields: must be 25 or fewer in length`);
  fields.forEach((field, index) => {
    limit(field.name, 256, `fields.${index}.name`);
    limit(field.value, 1024, `fields.${index}.value`);
    if (typeof field.name !== 'string' || field.name.length === 0)
      problems.push(`${path}.fields.${index}.name: required`);
    if (typeof field.value !== 'string' || field.value.length === 0)
      problems.push(`${path}.fields.${index}.value: required`);
  });
  const textLength = [embed.title, embed.description, ...fields.flatMap((field) => [field.name, field.value])]
    .filter((part): part is string => typeof part === 'string')
    .reduce((sum, part) => sum + part.length, 0);
  if (textLength > 6000) problems.push(`${path}: embed text must be 6000 or fewer characters in total`);
  return problems;
}

function componentProblems(rows: unknown[], path: string): string[] {
  const problems: string[] = [];
  if (rows.length > 5) problems.push(`${path}: must be 5 or fewer in length`);
  const customIds = new Set<string>();
  rows.forEach((row, rowIndex) => {
    const children = (row as { components?: unknown }).components;
    if (!Array.isArray(children) || children.length === 0 || children.length > 5) {
      problems.push(`${path}.${rowIndex}.components: must hold 1 to 5 components`);
      return;
    }
    children.forEach((child, index) => {
      const component = child as Record<string, unknown>;
      const at = `${path}.${rowIndex}.components.${index}`;
      const customId = component.custom_id;
      if (typeof customId === 'string') {
        if (customId.length === 0 || customId.length > 100)
          problems.push(`${at}.custom_id: must be 1-100 characters`);
        if (customIds.has(customId)) problems.push(`${at}.custom_id: duplicate custom id "${customId}"`);
        customIds.add(customId);
      } else if (component.type === 2 && component.style !== 5) {
        problems.push(`${at}.custom_id: required for a non-link button`);
      }
      if (typeof component.label === 'string' && component.label.length > 80) {
        problems.push(`${at}.label: must be 80 or fewer in length`);
      }
    });
  });
  return problems;
}

/** Autocomplete answers: at most 25 choices, names and string values of 1-100 characters. */
export function choiceProblems(data: unknown): string[] {
  const choices = (data as { choices?: unknown } | undefined)?.choices;
  if (!Array.isArray(choices)) return ['data.choices: required'];
  const problems: string[] = [];
  if (choices.length > 25) problems.push('data.choices: must be 25 or fewer in length');
  choices.forEach((choice: { name?: unknown; value?: unknown }, index) => {
    if (typeof choice.name !== 'string' || choice.name.length < 1 || choice.name.length > 100) {
      problems.push(`data.choices.${index}.name: must be 1-100 characters`);
    }
    if (typeof choice.value === 'string' && (choice.value.length < 1 || choice.value.length > 100)) {
      problems.push(`data.choices.${index}.value: must be 1-100 characters`);
    }
  });
  return problems;
}

/** Modals: a custom id, a title of at most 45 characters, 1-5 rows of text inputs. */
export function modalProblems(data: unknown): string[] {
  const modal = (data ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof modal.custom_id !== 'string' || modal.custom_id.length === 0 || modal.custom_id.length > 100) {
    problems.push('data.custom_id: must be 1-100 characters');
  }
  if (typeof modal.title !== 'string' || modal.title.length === 0 || modal.title.length > 45) {
    problems.push('data.title: must be 1-45 characters');
  }
  const rows = Array.isArray(modal.components) ? modal.components : [];
  if (rows.length === 0 || rows.length > 5) problems.push('data.components: must hold 1 to 5 rows');
  return problems;
}

/** The embed text a user reads: title, description and fields, one string. */
export function embedText(message: APIMessage): string {
  return message.embeds
    .flatMap((embed) => [
      embed.author?.name,
      embed.title,
      embed.description,
      ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
      embed.footer?.text,
    ])
    .filter((part) => part !== undefined)
    .join('\n');
}
