// The project's wording for input that does not fit a schema: "must be at most 65535", "is
// required", "must be start, pause or resume", never zod's own "Too big: expected number to be
// <=65535". Every door passes `inputWording` to safeParse; a message a schema writes itself (a
// Discord id, a setting's example) still wins, since zod prefers a schema's own words. Texts never
// repeat the input, which may be a secret.
import type { z } from 'zod';

type RawIssue = z.core.$ZodRawIssue;

const orList = new Intl.ListFormat('en-GB', { type: 'disjunction' });

const typeNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};

const formatNames: Record<string, string> = {
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  datetime: 'an ISO 8601 date and time',
  date: 'an ISO 8601 date',
  regex: 'in the expected form',
};

type SizeOrigin = Extract<RawIssue, { code: 'too_big' }>['origin'];

/** `at most 100 characters`, `at least 1`: the bound in words for what is measured. */
function bound(origin: SizeOrigin, limit: number | bigint, inclusive: boolean, upper: boolean): string {
  if (origin === 'string' || origin === 'array' || origin === 'set') {
    const one = Number(limit) === 1;
    const unit = origin === 'string' ? (one ? 'character' : 'characters') : one ? 'item' : 'items';
    const comparison = upper ? (inclusive ? 'at most' : 'fewer than') : inclusive ? 'at least' : 'more than';
    return `${origin === 'string' ? 'be' : 'have'} ${comparison} ${limit} ${unit}`;
  }
  if (upper) return inclusive ? `be at most ${limit}` : `be less than ${limit}`;
  if (inclusive) return Number(limit) === 0 ? 'be 0 or more' : `be at least ${limit}`;
  return `be more than ${limit}`;
}

function tooSmall(issue: Extract<RawIssue, { code: 'too_small' }>): string {
  const emptiable = issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set';
  if (emptiable && Number(issue.minimum) === 1 && issue.inclusive !== false)
    return issue.origin === 'string' ? 'must not be empty' : 'must have at least one item';
  return `must ${bound(issue.origin, issue.minimum, issue.inclusive !== false, false)}`;
}

/** One branch per alternative: `must be resume or start, or a number`. */
function eitherOf(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  const texts = [...new Set(issue.errors.map((branch) => branch[0]?.message).filter(Boolean))];
  if (texts.length === 0) return 'is not in a form this field takes';
  if (texts.length === 1) return texts[0] as string;
  const alternatives = texts.map((text) => (text as string).replace(/^must be /, ''));
  return `must be ${alternatives.join(', or ')}`;
}

/** The error map: an issue in the project's words. */
export function inputIssueText(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${typeNames[issue.expected] ?? issue.expected}`;
    case 'too_big':
      return `must ${bound(issue.origin, issue.maximum, issue.inclusive !== false, true)}`;
    case 'too_small':
      return tooSmall(issue);
    case 'invalid_value':
      return `must be ${orList.format(issue.values.map(String))}`;
    case 'invalid_format':
      if (issue.format === 'starts_with' && 'prefix' in issue) return `must start with ${issue.prefix}`;
      if (issue.format === 'ends_with' && 'suffix' in issue) return `must end with ${issue.suffix}`;
      return `must be ${formatNames[issue.format] ?? `a valid ${issue.format}`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return 'is not a field this takes';
    case 'invalid_union':
      return eitherOf(issue);
    case 'invalid_key':
      return 'has a key that is not allowed';
    case 'invalid_element':
      return 'has an element that is not allowed';
    default:
      return 'is not valid';
  }
}

/** What a door passes to safeParse so its 400s read in the project's words. */
export const inputWording = { error: inputIssueText } as const;

/** The field an issue is about, as a 400 names it: `from`, `tracks.audio`, an unknown key; `body` for the whole. */
export function issueField(issue: z.core.$ZodIssue): string {
  const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  return [...issue.path, ...(unknownKey === undefined ? [] : [unknownKey])].join('.') || 'body';
}
