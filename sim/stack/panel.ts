// Reading the now-playing panel the way a person in the channel does: the title, the state line,
// the progress bar, "up next", and which buttons can be pressed (with the custom ids a click sends).
import type { APIMessage } from 'discord-api-types/v10';
import { type DiscordSim, embedText } from '../discord/index.ts';

export interface PanelView {
  messageId: string;
  /** The embed title: what is playing, e.g. "Night Harbor (2019)". */
  title: string;
  /** Title, description, fields and footer as one text, as a reader scans it. */
  text: string;
  /** The first line of the description without markdown, e.g. "▶️ Playing" or "⏸️ Paused". */
  state: string;
  /** The progress line, e.g. "0:03 ▰▰▱▱ 0:10", or '' when there is none. */
  progress: string;
  /** Enabled buttons by label → custom id. */
  buttons: Map<string, string>;
}

interface ButtonLike {
  type?: number;
  label?: string;
  custom_id?: string;
  disabled?: boolean;
}

export function readPanel(message: APIMessage): PanelView {
  const embed = message.embeds[0];
  const description = embed?.description ?? '';
  const lines = description.split('\n').map((line) => line.trim());
  const buttons = new Map<string, string>();
  for (const row of message.components ?? []) {
    for (const component of ('components' in row ? row.components : []) as ButtonLike[]) {
      if (component.type === 2 && component.disabled !== true && component.label && component.custom_id) {
        buttons.set(component.label, component.custom_id);
      }
    }
  }
  return {
    messageId: message.id,
    title: embed?.title ?? '',
    text: embedText(message),
    state: (lines[0] ?? '').replace(/\*/g, ''),
    progress: lines.find((line) => /\d:\d\d .* \d+:\d\d/.test(line)) ?? '',
    buttons,
  };
}

/** The custom id of an enabled button, or a clear error naming what the panel offers instead. */
export function buttonOf(panel: PanelView, label: string): string {
  const id = panel.buttons.get(label);
  if (id === undefined) {
    throw new Error(
      `the panel has no enabled "${label}" button (it has: ${[...panel.buttons.keys()].join(', ')})`,
    );
  }
  return id;
}

/** One line for a timeline: title, state and progress. */
export function panelLine(panel: PanelView): string {
  return [panel.title || '(nothing playing)', panel.state, panel.progress].filter(Boolean).join(' | ');
}

/**
 * Waits for the panel in the simulator's text channel (`panelId`, or the first one posted when
 * null) to satisfy `predicate`; the error says what it waited for and what the panel shows instead.
 */
export async function waitForPanel(
  discord: DiscordSim,
  panelId: string | null,
  what: string,
  predicate: (panel: PanelView) => boolean,
  timeoutMs: number,
): Promise<PanelView> {
  try {
    const message = await discord.messages.waitFor(
      (candidate) =>
        candidate.channel_id === discord.textChannel.id &&
        (candidate.flags ?? 0) === 0 &&
        (panelId === null || candidate.id === panelId) &&
        predicate(readPanel(candidate)),
      timeoutMs,
    );
    return readPanel(message);
  } catch {
    const current = panelId ? discord.messages.get(panelId)?.message : undefined;
    const shows = current ? panelLine(readPanel(current)) : 'no panel at all';
    throw new Error(`the panel did not show ${what} within ${timeoutMs / 1000} s; it shows: ${shows}`);
  }
}
