import { describe, expect, it } from 'vitest';
import { contrast, parseColor } from './color';

describe('parseColor', () => {
  it.each([
    ['#fff', { r: 255, g: 255, b: 255 }],
    ['#1A73E8', { r: 26, g: 115, b: 232 }],
    ['rgb(26, 115, 232)', { r: 26, g: 115, b: 232 }],
    ['rgb(10% 50% 100%)', { r: 26, g: 128, b: 255 }],
    ['hsl(0, 100%, 50%)', { r: 255, g: 0, b: 0 }],
    ['hsl(120deg 100% 25%)', { r: 0, g: 128, b: 0 }],
  ])('reads %s', (text, rgb) => {
    expect(parseColor(text)).toEqual(rgb);
  });

  it.each(['red', '#12345', '#11223344', 'rgb(1,2)', 'rgba(1,2,3,0.5)', 'rgb(1,2,3,4)', 'hsl(0, 200%, 50%)', ''])(
    'refuses %s',
    (text) => {
      expect(parseColor(text)).toBeUndefined();
    },
  );
});

describe('contrast', () => {
  it('is 21:1 for black on white and 1:1 for a colour on itself, in either order', () => {
    const black = { r: 0, g: 0, b: 0 };
    const white = { r: 255, g: 255, b: 255 };
    expect(contrast(black, white)).toBeCloseTo(21, 5);
    expect(contrast(white, black)).toBeCloseTo(21, 5);
    expect(contrast(white, white)).toBe(1);
  });

  it('matches the WCAG value for a mid grey on white (#767676: 4.54:1)', () => {
    expect(contrast(parseColor('#767676')!, parseColor('#fff')!)).toBeCloseTo(4.54, 2);
  });
});
