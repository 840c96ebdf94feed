// The public story of a party in words: audit events that the whole text channel should know about
// (queued, skipped, jumped, stopped, went back, shuffled, loop, votes) become short lines. A burst
// reads as one message: one person's queued items merge into "queued X and 2 more", and a run of
// jumps by one person keeps only where they landed. Pure: events in, phrases out; the door words
// them in the server's language.
import { z } from 'zod';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
import { formatDuration } from './duration-text.ts';
import type { PartyEvent } from './views.ts';

const storyEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('queued'), title: z.string() }),
  z.object({ type: z.literal('skipped'), endedTitle: z.string().nullable() }),
  z.object({ type: z.literal('seeked'), to: z.number() }),
  z.object({ type: z.literal('stopped') }),
  z.object({ type: z.literal('went-back'), title: z.string() }),
  z.object({ type: z.literal('shuffled') }),
  z.object({ type: z.literal('loop-set'), mode: z.enum(['off', 'item', 'queue']) }),
  z.object({ type: z.literal('skip-voted'), title: z.string(), votes: z.number(), needed: z.number() }),
  z.object({
    type: z.literal('vote-skipped'),
    endedTitle: z.string().nullable(),
    votes: z.number(),
    listeners: z.number(),
  }),
]);
const actorSchema = z.object({ actor: z.string().default('system'), emptyMinutes: z.number().optional() });
type StoryEvent = z.infer<typeof storyEventSchema>;

/** One thing the channel should know, with who did it as the channel reads them. */
export interface StoryMoment {
  type: StoryEvent['type'];
  /** `<@id>` (rendered as the member's name, never a ping), or how the bot and the API read. */
  who: string | Phrase;
  line: Phrase;
}

/** Markdown in a title (Jellyfin's text) shows as written instead of formatting the line. */
function literalTitle(title: string): string {
  return title.replace(/[\\*_~`|>[\]]/g, '\\$&');
}

const bold = (title: string) => `**${literalTitle(title)}**`;

// One phrase each, so a burst can tell that the same one acted twice.
const theBot = phrase('story.bot');
const theApi = phrase('story.api');

function whoDid(actor: string): string | Phrase {
  if (actor.startsWith('member:')) return `<@${actor.slice('member:'.length)}>`;
  return actor.startsWith('api:') ? theApi : theBot;
}

/** The moment an event tells, or null when the channel need not hear of it. */
export function storyMoment(event: PartyEvent): StoryMoment | null {
  const payload = typeof event.payload === 'object' && event.payload !== null ? event.payload : {};
  const parsed = storyEventSchema.safeParse({ ...payload, type: event.type });
  const actor = actorSchema.safeParse(payload);
  if (!parsed.success || !actor.success) return null;
  const who = whoDid(actor.data.actor);
  return { type: parsed.data.type, who, line: storyLine(parsed.data, who, actor.data) };
}

function storyLine(event: StoryEvent, who: string | Phrase, actor: z.infer<typeof actorSchema>): Phrase {
  switch (event.type) {
    case 'queued':
      return phrase('story.queued', { who, title: bold(event.title) });
    case 'skipped':
      return event.endedTitle === null
        ? phrase('story.skippedItem', { who })
        : phrase('story.skipped', { who, title: bold(event.endedTitle) });
    case 'seeked':
      return phrase('story.seeked', { who, at: formatDuration(event.to) });
    case 'stopped':
      return actor.actor === 'idle' && actor.emptyMinutes !== undefined
        ? phrase('story.idleStopped', { minutes: actor.emptyMinutes })
        : phrase('story.stopped', { who });
    case 'went-back':
      return phrase('story.wentBack', { who, title: bold(event.title) });
    case 'shuffled':
      return phrase('story.shuffled', { who });
    case 'loop-set':
      return phrase(loopLines[event.mode], { who });
    case 'skip-voted': {
      const { votes, needed } = event;
      return phrase('story.skipVoted', { who, title: bold(event.title), votes, needed });
    }
    case 'vote-skipped': {
      const { votes, listeners } = event;
      return event.endedTitle === null
        ? phrase('story.voteSkippedItem', { votes, listeners })
        : phrase('story.voteSkipped', { title: bold(event.endedTitle), votes, listeners });
    }
  }
}

const loopLines = { off: 'story.loopOff', item: 'story.loopItem', queue: 'story.loopQueue' } as const;

/** A burst of moments as one message: one line each, merged where a burst repeats itself. */
export function tellBurst(moments: readonly StoryMoment[]): Phrase[] {
  const lines: Phrase[] = [];
  let queuedRun: { moment: StoryMoment; more: number } | null = null;
  const closeRun = () => {
    if (!queuedRun) return;
    const { moment, more } = queuedRun;
    lines.push(more === 0 ? moment.line : phrase('story.andMore', { line: moment.line, more }));
    queuedRun = null;
  };
  moments.forEach((moment, index) => {
    if (moment.type === 'queued') {
      if (queuedRun && queuedRun.moment.who === moment.who) {
        queuedRun.more += 1;
        return;
      }
      closeRun();
      queuedRun = { moment, more: 0 };
      return;
    }
    closeRun();
    const following = moments[index + 1];
    // Pressing +30 s four times tells where they landed, once.
    if (moment.type === 'seeked' && following?.type === 'seeked' && following.who === moment.who) return;
    lines.push(moment.line);
  });
  closeRun();
  return lines;
}
