// Discord's rules for autocomplete answers, in one place: at most 25 choices, names of 1-100
// characters. Commands shape their suggestions with these, and the error translator answers a
// failed autocomplete with one explanatory choice built the same way.
import type { ApplicationCommandOptionChoiceData } from 'discord.js';

export type AutocompleteChoice = ApplicationCommandOptionChoiceData<string>;

export const maxChoices = 25;
/** Discord's limit on a choice's name and on its value. */
export const maxChoiceLength = 100;

/**
 * The value of an explanatory choice. Submitting it is answered with the explanation again rather
 * than with a search for its text.
 */
export const noMatchValue = 'orb:no-match';

/** Cuts `text` to at most `max` UTF-16 units, ending with an ellipsis, never splitting a character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const char of text) {
    if (out.length + char.length + 1 > max) break;
    out += char;
  }
  return `${out.trimEnd()}…`;
}

/** A choice name Discord accepts: one line, at most 100 characters. */
export function choiceText(text: string): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), maxChoiceLength);
}

export function explanatoryChoice(text: string): AutocompleteChoice[] {
  return [{ name: choiceText(text), value: noMatchValue }];
}
