import { describe, expect, it } from 'vitest';
import { contrast, parseColor } from '../core/color';
import { resolveTheme, THEMES } from './theme';

describe('resolveTheme', () => {
  it('uses the theme’s own accent when none is configured', () => {
    expect(resolveTheme('dark')).toMatchObject({ theme: 'dark', accent: THEMES.dark.accent, note: undefined });
    expect(resolveTheme('light').accent).toBe(THEMES.light.accent);
  });

  it('keeps a configured accent that stands out 3:1 from the background', () => {
    expect(resolveTheme('dark', '#ff8800')).toMatchObject({ accent: '#ff8800', note: undefined });
  });

  it('replaces an accent below 3:1 with the default and says why', () => {
    const dark = resolveTheme('dark', '#202830');
    expect(dark.accent).toBe(THEMES.dark.accent);
    expect(dark.note).toMatch(/accent #202830 has 1\.\d\d:1 contrast against the dark background/);
    // Yellow is fine on dark and too faint on light.
    expect(resolveTheme('dark', '#ffeb3b').accent).toBe('#ffeb3b');
    expect(resolveTheme('light', '#ffeb3b').accent).toBe(THEMES.light.accent);
  });

  it('picks button text on the accent that meets 4.5:1', () => {
    for (const accent of ['#ff8800', '#1a56c4', '#8ab4f8', '#777777', '#00ff00']) {
      const resolved = resolveTheme('dark', accent);
      expect(contrast(parseColor(resolved.onAccent)!, parseColor(resolved.accent)!)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('ships defaults that meet 3:1 on their own backgrounds', () => {
    for (const { background, accent } of Object.values(THEMES)) {
      expect(contrast(parseColor(accent)!, parseColor(background)!)).toBeGreaterThanOrEqual(3);
    }
  });
});
