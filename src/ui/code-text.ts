/**
 * How a user code is drawn and read out. The text itself is never changed (docs/contract.md: exactly as
 * the IdP sent it): grouping is done with spans and CSS margins, and the accessible name spells it.
 */
export interface CodePart {
  text: string;
  /** A separator the IdP sent ("-", " "): drawn dimmer. */
  separator: boolean;
  /** Starts a new visual group without a separator in the text: CSS adds the gap. */
  gap: boolean;
}

const SEPARATOR = /[\s\-–—_.]/;

/** A run this long without separators is grouped by 4 (or 3 when that divides it evenly and 4 does not). */
const GROUP_FROM = 6;

export function codeParts(code: string): CodePart[] {
  const parts: CodePart[] = [];
  for (const run of code.split(/([\s\-–—_.]+)/)) {
    if (!run) continue;
    if (SEPARATOR.test(run[0]!)) {
      parts.push({ text: run, separator: true, gap: false });
      continue;
    }
    const chars = Array.from(run);
    const size = chars.length < GROUP_FROM ? chars.length : chars.length % 4 !== 0 && chars.length % 3 === 0 ? 3 : 4;
    for (let i = 0; i < chars.length; i += size) {
      parts.push({ text: chars.slice(i, i + size).join(''), separator: false, gap: i > 0 });
    }
  }
  return parts;
}

/** The code spelled one character at a time for a screen reader ("B C D F - G H J K"). */
export const spelled = (code: string): string =>
  Array.from(code)
    .filter((c) => c.trim())
    .join(' ');

/** Characters that read alike on a screen across a room (RFC 8628 §6.1 advises codes that avoid them). */
const LOOKALIKE_GROUPS = ['0Oo', '1Il', '5S', '2Z', '8B', '6G'];

/**
 * The characters of the code that could be misread as another character of a kind the code uses:
 * "0" is ambiguous beside letters (O), "I" beside digits (1) or lower case (l). A code of upper-case
 * letters only (the demo's "BCDF-GHJK") or of digits only has none.
 */
export function lookalikes(code: string): string[] {
  const kinds = { digit: /\d/.test(code), upper: /[A-Z]/.test(code), lower: /[a-z]/.test(code) };
  const plausible = (c: string) => (/\d/.test(c) ? kinds.digit : /[A-Z]/.test(c) ? kinds.upper : kinds.lower);
  const found = new Set<string>();
  for (const c of Array.from(code)) {
    const group = LOOKALIKE_GROUPS.find((g) => g.includes(c));
    if (group && Array.from(group).some((other) => other !== c && plausible(other))) found.add(c);
  }
  return [...found];
}
