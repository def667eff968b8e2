import { describe, expect, it } from 'vitest';
import ar from './ar';
import de from './de';
import screen, { type Messages, type Plural } from './en';
import explanations from './en-explain';
import es from './es';
import fr from './fr';
import ja from './ja';
import { LANGUAGES } from './language';

const catalogues: Record<string, Messages> = { de, fr, es, ja, ar };
/** English: the screen's words (bundled) and the explanations (loaded at boot). */
const en: Messages = { ...screen, ...explanations };

/** The placeholders a message uses, over all its plural forms. */
function placeholders(message: string | Plural): string[] {
  const text = typeof message === 'string' ? message : Object.values(message).join(' ');
  return [...new Set(Array.from(text.matchAll(/\{(\w+)\}/g), (m) => m[1]!))].sort();
}

describe('message catalogues', () => {
  it('cover every language the app offers', () => {
    expect(Object.keys(catalogues).sort()).toEqual(LANGUAGES.filter((l) => l !== 'en').sort());
  });

  describe.each(Object.entries(catalogues))('%s', (lang, messages) => {
    it('has every English key and no other, none empty', () => {
      expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(messages)) {
        const texts = typeof value === 'string' ? [value] : Object.values(value);
        for (const text of texts) expect(text.trim(), `${lang}.${key}`).not.toBe('');
      }
    });

    it('uses the same placeholders as English in every message', () => {
      for (const key of Object.keys(en) as (keyof Messages)[]) {
        expect(placeholders(messages[key]), `${lang}.${key}`).toEqual(placeholders(en[key]));
      }
    });

    it('gives a form for every plural category the language has (Intl.PluralRules)', () => {
      const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
      for (const [key, value] of Object.entries(messages)) {
        if (typeof value === 'string') continue;
        expect(Object.keys(value).sort(), `${lang}.${key}`).toEqual([...categories].sort());
      }
    });

    it('keeps plural messages plural and the others plain text, as English does', () => {
      for (const key of Object.keys(en) as (keyof Messages)[]) {
        expect(typeof messages[key], `${lang}.${key}`).toBe(typeof en[key]);
      }
    });
  });
});
