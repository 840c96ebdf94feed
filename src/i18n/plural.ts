// Plural forms by each language's own rules (English one/other, French counts 0 and 1 as one,
// Japanese has no plural), through Intl.PluralRules, so a catalog says "1 item" and "2 items" right.

const rules = new Map<string, Intl.PluralRules>();

/** The form of `forms` that `count` takes in `language`; `other` when the language has no such form. */
export function plural(
  language: string,
  count: number,
  forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string },
): string {
  let rule = rules.get(language);
  if (!rule) {
    rule = new Intl.PluralRules(language);
    rules.set(language, rule);
  }
  return forms[rule.select(count)] ?? forms.other;
}
