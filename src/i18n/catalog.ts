// The shape every catalog has: English's keys, each a plain text or a function of named parameters.
// A catalog missing a key, adding one, or taking other parameters is a type error.
import type { en } from './catalogs/en.ts';

type Widened<T> = T extends string ? string : T;
export type Catalog = { readonly [K in keyof typeof en]: Widened<(typeof en)[K]> };
export type MessageKey = keyof Catalog;

/** What a key's text needs: `undefined` for a plain text. */
export type MessageParams<K extends MessageKey> = Catalog[K] extends (params: infer P) => string
  ? P
  : undefined;

/**
 * A text not yet put into words: a key and its parameters. A text parameter may itself be a
 * phrase (an action, a failure's sentence), worded in the same language as the whole.
 */
export type Phrase = {
  [K in MessageKey]: MessageParams<K> extends undefined
    ? { readonly key: K; readonly params?: undefined }
    : { readonly key: K; readonly params: PhraseParams<MessageParams<K>> };
}[MessageKey];

type PhraseParams<P> = { readonly [N in keyof P]: P[N] extends string ? string | Phrase : P[N] };

/** The arguments after the key: none for a plain text, the parameters otherwise. */
export type ParamsArgument<K extends MessageKey> =
  MessageParams<K> extends undefined ? [] : [params: PhraseParams<MessageParams<K>>];

/** A key whose text needs no parameters. */
export type PlainKey = { [K in MessageKey]: MessageParams<K> extends undefined ? K : never }[MessageKey];
