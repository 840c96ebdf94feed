// Who may do what to a party. Every door builds an Actor and the service asks this policy before any
// change, so the rule reads the same from Discord and from the API.
import type { SessionRow } from '../db/schema.ts';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
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
  | { kind: 'system' }
  /** The bot acting on a party whose voice channel had nobody in it for `emptyMinutes`. */
  | { kind: 'idle'; emptyMinutes: number };

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
  | 'switch tracks'
  | 'skip'
  | 'go back'
  | 'shuffle'
  | 'set loop'
  | 'stop'
  | 'remove'
  | 'move'
  | 'clear';

/** The actions that control a party, as opposed to joining in on it. */
type ControlAction = Exclude<PartyAction, 'queue' | 'start'>;

/** How each control action reads in a refusal ("Only … can skip in this party"). */
const actionWords: Record<ControlAction, Phrase> = {
  pause: phrase('action.pause'),
  resume: phrase('action.resume'),
  seek: phrase('action.seek'),
  'switch tracks': phrase('action.switchTracks'),
  skip: phrase('action.skip'),
  'go back': phrase('action.goBack'),
  shuffle: phrase('action.shuffle'),
  'set loop': phrase('action.setLoop'),
  stop: phrase('action.stop'),
  remove: phrase('action.remove'),
  move: phrase('action.move'),
  clear: phrase('action.clear'),
};

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
      const channelId = session.voice_channel_id;
      throw new WatchPartyError(
        'forbidden',
        action === 'queue'
          ? phrase('refusal.joinToQueue', { channelId })
          : phrase('refusal.joinToStart', { channelId }),
      );
    }
    if (actor.canManageChannels) return;
    const isOwner = actor.userId === session.owner_user_id;
    const isDj = this.#djRoleId !== undefined && actor.roleIds.includes(this.#djRoleId);
    if (!isOwner && !isDj) throw new WatchPartyError('forbidden', this.#controllersOnly(session, action));
    if (!inChannel) {
      throw new WatchPartyError(
        'forbidden',
        phrase('refusal.joinToControl', { channelId: session.voice_channel_id }),
      );
    }
  }

  /** Creating a party: in the voice channel you are in, or anywhere with Manage Channels. */
  assertMayCreate(actor: Actor, voiceChannelId: string): void {
    if (actor.kind !== 'member' || actor.canManageChannels || actor.voiceChannelId === voiceChannelId) return;
    throw new WatchPartyError('forbidden', phrase('refusal.joinToCreate', { channelId: voiceChannelId }));
  }

  #controllersOnly(session: Pick<SessionRow, 'owner_user_id'>, action: ControlAction) {
    const words = actionWords[action];
    const ownerId = session.owner_user_id;
    return this.#djRoleId === undefined
      ? phrase('refusal.controllersOnly', { action: words, ownerId })
      : phrase('refusal.controllersOrDjOnly', { action: words, ownerId, roleId: this.#djRoleId });
  }
}

/** The user id stored with events and queue entries: members only; the API and system are null. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === 'member' ? actor.userId : null;
}

/** How an actor reads in an event payload. */
export function describeActor(actor: Actor): string {
  if (actor.kind === 'member') return `member:${actor.userId}`;
  if (actor.kind === 'idle') return 'idle';
  return actor.kind === 'api' ? `api:${actor.label}` : 'system';
}
