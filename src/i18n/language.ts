/**
 * Language choice and message formatting, without Svelte or the DOM so it can be unit-tested.
 * Plurals and numbers go through Intl; nothing here hand-codes a language's grammar.
 */
import type { Plural } from './en';

export const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

const RTL: ReadonlySet<string> = new Set(['ar']);

export const direction = (lang: Language): 'ltr' | 'rtl' => (RTL.has(lang) ? 'rtl' : 'ltr');

/**
 * The first of the candidates (config `lang`, then the browser's languages) whose primary subtag we
 * have a catalogue for ("de-AT" → de); English when none matches.
 */
export function pickLanguage(configured: string | undefined, browser: readonly string[] = []): Language {
  for (const tag of [configured, ...browser]) {
    const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
    const hit = LANGUAGES.find((l) => l === primary);
    if (hit) return hit;
  }
  return 'en';
}

/** Replaces `{name}` with params.name; an unknown placeholder stays visible rather than vanishing. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/**
 * A translated sentence split around one placeholder, so markup (the address, the user's name, the
 * clock) can go where the language puts it: "Go to {uri} and enter" → ["Go to ", " and enter"].
 * A template without the placeholder keeps its words first and the part after them.
 */
export function splitAround(template: string, name: string): [before: string, after: string] {
  const mark = `{${name}}`;
  const at = template.indexOf(mark);
  return at < 0 ? [`${template} `, ''] : [template.slice(0, at), template.slice(at + mark.length)];
}

/**
 * Intl.PluralRules picks the form (Arabic has six). Engines without it (Safari before 13) get
 * English's one/other, the one hand-made rule here, and only as that fallback.
 */
export function pluralForm(lang: string, count: number, forms: Plural): string {
  const category: keyof Plural =
    typeof Intl.PluralRules === 'function'
      ? (new Intl.PluralRules(lang).select(count) as keyof Plural)
      : count === 1
        ? 'one'
        : 'other';
  return forms[category] ?? forms.other;
}

/** Seconds as m:ss in the language's digits (Arabic-Indic for ar), tabular in the UI. */
// Making Intl formatters is the costliest thing the countdown does each second on a slow TV: once per language.
const clockFormats = new Map<string, [Intl.NumberFormat, Intl.NumberFormat]>();

/**
 * Languages that write numbers with the digits 0-9 (CLDR's default numbering system `latn`): their
 * clock needs no Intl.NumberFormat, whose first use costs a slow TV tens of milliseconds (the
 * locale's data) right when a code appears. Any other language goes through Intl.
 */
const LATIN_DIGITS: ReadonlySet<string> = new Set(['en', 'de', 'fr', 'es', 'ja']);

export function formatClock(lang: string, seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (LATIN_DIGITS.has(lang.toLowerCase().split(/[-_]/)[0]!))
    return `${Math.floor(s / 60)}:${s % 60 < 10 ? '0' : ''}${s % 60}`;
  let formats = clockFormats.get(lang);
  if (!formats) {
    formats = [
      new Intl.NumberFormat(lang, { useGrouping: false }),
      new Intl.NumberFormat(lang, { minimumIntegerDigits: 2, useGrouping: false }),
    ];
    clockFormats.set(lang, formats);
  }
  return `${formats[0].format(Math.floor(s / 60))}:${formats[1].format(s % 60)}`;
}
