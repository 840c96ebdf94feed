// Who may do what to a party. Every door builds an Actor and the service asks this policy before any
// change, so the rule reads the same from Discord and from the API.
import type { SessionRow } from '../db/schema.ts';
import { WatchPartyError } from './errors.ts';

export type Actor =
  | {
      kind: 'member';
      userId: string;
      /** The voice channel the member is in right now, if any. */
      voiceChannelId: string | null;
      roleIds: readonly string[];
      canManageChannels: boolean;
    }
  | { kind: 'api'; label: string }
  | { kind: 'system' };

export type MemberActor = Extract<Actor, { kind: 'member' }>;

/** The bot itself: what worker reports and recovery after a restart change is done by it. */
export const systemActor: Actor = { kind: 'system' };

/** `queue` and `start` are for every listener; the rest control the party. */
export type PartyAction =
  | 'queue'
  | 'start'
  | 'pause'
  | 'resume'
  | 'seek'
  | 'skip'
  | 'stop'
  | 'remove'
  | 'move'
  | 'clear';

export interface PermissionPolicyOptions {
  /** Members with this role may control any party, like its owner. */
  djRoleId?: string | undefined;
}

/**
 * The rules:
 * - anyone in the party's voice channel may queue and start it (the first item queued into an idle
 *   party starts it anyway);
 * - control actions belong to the owner, members with Manage Channels and the DJ role;
 * - owner and DJ must be in the party's voice channel to use them; moderators (Manage Channels) may
 *   act from anywhere, so they can stop a party nobody is watching;
 * - the API and the bot itself may do everything.
 */
export class PermissionPolicy {
  readonly #djRoleId: string | undefined;

  constructor(options: PermissionPolicyOptions = {}) {
    this.#djRoleId = options.djRoleId;
  }

  /** Throws a `forbidden` WatchPartyError saying who may do `action`. */
  assertAllowed(
    actor: Actor,
    session: Pick<SessionRow, 'voice_channel_id' | 'owner_user_id'>,
    action: PartyAction,
  ) {
    if (actor.kind !== 'member') return;
    const inChannel = actor.voiceChannelId === session.voice_channel_id;
    if (action === 'queue' || action === 'start') {
      if (inChannel || actor.canManageChannels) return;
      throw new WatchPartyError(
        'forbidden',
        `Join the party's voice channel <#${session.voice_channel_id}> to ${action === 'queue' ? 'add to its queue' : 'start it'}.`,
      );
    }
    if (actor.canManageChannels) return;
    const isOwner = actor.userId === session.owner_user_id;
    const isDj = this.#djRoleId !== undefined && actor.roleIds.includes(this.#djRoleId);
    if (!isOwner && !isDj) {
      throw new WatchPartyError(
        'forbidden',
        `Only ${this.#controllers(session)} can ${action} in this party.`,
      );
    }
    if (!inChannel) {
      throw new WatchPartyError(
        'forbidden',
        `Join the party's voice channel <#${session.voice_channel_id}> to control it.`,
      );
    }
  }

  /** Creating a party: in the voice channel you are in, or anywhere with Manage Channels. */
  assertMayCreate(actor: Actor, voiceChannelId: string): void {
    if (actor.kind !== 'member' || actor.canManageChannels || actor.voiceChannelId === voiceChannelId) return;
    throw new WatchPartyError(
      'forbidden',
      `Join <#${voiceChannelId}> first: you can only start a party in the voice channel you are in.`,
    );
  }

  #controllers(session: Pick<SessionRow, 'owner_user_id'>): string {
    const dj = this.#djRoleId === undefined ? '' : `, the <@&${this.#djRoleId}> role`;
    return `the party's owner <@${session.owner_user_id}>${dj} or members with Manage Channels`;
  }
}

/** The user id stored with events and queue entries: members only; the API and system are null. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === 'member' ? actor.userId : null;
}

/** How an actor reads in an event payload. */
export function describeActor(actor: Actor): string {
  if (actor.kind === 'member') return `member:${actor.userId}`;
  return actor.kind === 'api' ? `api:${actor.label}` : 'system';
}
