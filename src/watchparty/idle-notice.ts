// Why a party rests when nobody was there to watch it, read back from its audit log: the idle pause
// and stop are recorded with the `idle` actor (src/watchparty/idle-parties.ts), so the reason
// survives a bot restart and every door words it alike.
import { z } from 'zod';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
import type { SessionDetails } from './views.ts';

export type IdleNotice = { kind: 'paused' } | { kind: 'stopped'; emptyMinutes: number };

const idlePayloadSchema = z.looseObject({ actor: z.literal('idle'), emptyMinutes: z.number() });

/** The idle pause or stop behind the party's current status; null when people paused or stopped it. */
export function idleNotice(details: Pick<SessionDetails, 'session' | 'recentEvents'>): IdleNotice | null {
  const { status } = details.session;
  if (status !== 'paused' && status !== 'stopped') return null;
  // The newest event that could have put the party in this status; recentEvents is newest first.
  const cause = details.recentEvents.find((event) =>
    status === 'paused' ? event.type === 'paused' : event.type === 'stopped',
  );
  const idle = idlePayloadSchema.safeParse(cause?.payload);
  if (!idle.success) return null;
  return status === 'paused' ? { kind: 'paused' } : { kind: 'stopped', emptyMinutes: idle.data.emptyMinutes };
}

/** The notice in plain words, for the panel's state line. */
export function idleNoticePhrase(notice: IdleNotice): Phrase {
  if (notice.kind === 'paused') return phrase('panel.idlePaused');
  return phrase('panel.idleStopped', { minutes: notice.emptyMinutes });
}
