import { afterEach, describe, expect, it, vi } from 'vitest';
import { direction, format, formatClock, pickLanguage, pluralForm, splitAround } from './language';

describe('pickLanguage', () => {
  it('prefers the configured lang over the browser’s', () => {
    expect(pickLanguage('de', ['fr-FR', 'en'])).toBe('de');
  });

  it('matches on the primary subtag, in any case', () => {
    expect(pickLanguage('ES-mx', [])).toBe('es');
    expect(pickLanguage(undefined, ['ja-JP'])).toBe('ja');
  });

  it('falls through to the browser’s list when the configured language has no catalogue', () => {
    expect(pickLanguage('pt-BR', ['nl', 'fr-CA'])).toBe('fr');
  });

  it('falls back to English when nothing matches', () => {
    expect(pickLanguage('pt', ['nl', 'zh-Hans'])).toBe('en');
    expect(pickLanguage(undefined, [])).toBe('en');
  });
});

describe('direction', () => {
  it('is right-to-left for Arabic only', () => {
    expect(direction('ar')).toBe('rtl');
    expect(direction('ja')).toBe('ltr');
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('Go to {uri} and enter', { uri: 'idp.example/device' })).toBe('Go to idp.example/device and enter');
    expect(format('Hello {who}')).toBe('Hello {who}');
  });
});

describe('pluralForm', () => {
  const forms = { zero: 'z', one: 'o', two: 't', few: 'f', many: 'm', other: 'x' };
  afterEach(() => vi.unstubAllGlobals());

  it('uses the language’s plural rules (Arabic: 0 zero, 2 two, 3 few, 11 many)', () => {
    expect([0, 1, 2, 3, 11, 100].map((n) => pluralForm('ar', n, forms))).toEqual(['z', 'o', 't', 'f', 'm', 'x']);
  });

  it('uses other for a category the message does not spell out', () => {
    expect(pluralForm('ja', 1, { other: 'x' })).toBe('x');
    expect(pluralForm('en', 1, { other: 'x' })).toBe('x');
  });

  it('falls back to one/other where the engine has no Intl.PluralRules (Safari 12)', () => {
    vi.stubGlobal('Intl', { ...Intl, PluralRules: undefined });
    expect([1, 2, 0].map((n) => pluralForm('ar', n, forms))).toEqual(['o', 'x', 'x']);
  });
});

describe('formatClock', () => {
  it('shows minutes and two-digit seconds, rounding up, never negative', () => {
    expect(formatClock('en', 299.2)).toBe('5:00');
    expect(formatClock('en', 65)).toBe('1:05');
    expect(formatClock('en', -3)).toBe('0:00');
  });

  it('writes the digits of the language', () => {
    expect(formatClock('ar-EG', 65)).toBe('١:٠٥');
  });

  it('writes what Intl writes, in every language, also where it needs no Intl', () => {
    for (const lang of ['en', 'de-AT', 'fr', 'es', 'ja', 'ar-EG']) {
      const [m, ss] = [
        new Intl.NumberFormat(lang, { useGrouping: false }),
        new Intl.NumberFormat(lang, { minimumIntegerDigits: 2, useGrouping: false }),
      ];
      for (const seconds of [0, 9, 59, 60, 65, 599, 3600])
        expect(formatClock(lang, seconds)).toBe(`${m.format(Math.floor(seconds / 60))}:${ss.format(seconds % 60)}`);
    }
  });
});

describe('splitAround', () => {
  it('splits a sentence around its placeholder, wherever the language puts it', () => {
    expect(splitAround('Go to {uri} and enter', 'uri')).toEqual(['Go to ', ' and enter']);
    expect(splitAround('{uri} を開いて次のコードを入力', 'uri')).toEqual(['', ' を開いて次のコードを入力']);
    expect(splitAround('Signed in as {user}', 'user')).toEqual(['Signed in as ', '']);
  });

  it('keeps the words first when the placeholder is missing, losing none of them', () => {
    expect(splitAround('Code expires in', 'time')).toEqual(['Code expires in ', '']);
  });

  it('leaves other placeholders alone', () => {
    expect(splitAround('{a} then {time} then {b}', 'time')).toEqual(['{a} then ', ' then {b}']);
  });
});
