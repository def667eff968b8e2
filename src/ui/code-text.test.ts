import { describe, expect, it } from 'vitest';
import { codeParts, lookalikes, spelled } from './code-text';

const text = (code: string) =>
  codeParts(code)
    .map((p) => p.text)
    .join('');

describe('codeParts', () => {
  it('keeps the text exactly as sent, whatever the grouping', () => {
    for (const code of ['BCDF-GHJK', 'BCDFGHJK', 'ABC DEF GHI', 'WDJB-MJHT-1', '123456789', 'AB'])
      expect(text(code)).toBe(code);
  });

  it('keeps the IdP’s own separators as separators', () => {
    expect(codeParts('BCDF-GHJK')).toEqual([
      { text: 'BCDF', separator: false, gap: false },
      { text: '-', separator: true, gap: false },
      { text: 'GHJK', separator: false, gap: false },
    ]);
  });

  it('groups a long run without separators by 4, or by 3 when 3 divides it and 4 does not', () => {
    expect(codeParts('BCDFGHJK').map((p) => [p.text, p.gap])).toEqual([
      ['BCDF', false],
      ['GHJK', true],
    ]);
    expect(codeParts('123456789').map((p) => p.text)).toEqual(['123', '456', '789']);
    expect(codeParts('ABCDE').map((p) => p.text)).toEqual(['ABCDE']);
  });
});

describe('spelled', () => {
  it('spells one character at a time, keeping separators and dropping spaces', () => {
    expect(spelled('BCDF-GHJK')).toBe('B C D F - G H J K');
    expect(spelled('AB C')).toBe('A B C');
  });
});

describe('lookalikes', () => {
  it('finds nothing in a letters-only or digits-only code', () => {
    expect(lookalikes('BCDF-GHJK')).toEqual([]);
    expect(lookalikes('105-208')).toEqual([]);
  });

  it('names the characters that could be misread when letters and digits mix', () => {
    expect(lookalikes('W0RD-1IKE')).toEqual(['0', '1', 'I']);
  });

  it('treats mixed case as ambiguous (l and I)', () => {
    expect(lookalikes('abcl-XYZI')).toEqual(['l', 'I']);
    expect(lookalikes('abcd-WXYZ')).toEqual([]);
  });
});
