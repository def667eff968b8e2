import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { darkRuns, encode, QUIET_ZONE, runRects } from './qr';

/** The rectangles drawn as a canvas would hold them: white, then black rectangles (RGBA). */
function render(text: string, side: number) {
  const { size, runs } = darkRuns(encode(text));
  const rects = runRects(size, runs, side);
  const px = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [x, y, w, h] of rects)
    for (let row = y; row < y + h; row++)
      for (let col = x; col < x + w; col++) px.fill(0, (row * side + col) * 4, (row * side + col) * 4 + 3);
  return { size, rects, px };
}

const ADDRESSES = [
  'https://idp.example/device?user_code=BCDF-GHJK',
  'http://127.0.0.1:4010/device?user_code=WXYZ-1234',
  `https://login.example.com/realms/${'signage-'.repeat(12)}/device?user_code=QWERTY-ZXCV`,
];

describe('the QR code drawing', () => {
  for (const side of [300, 333, 561, 1123]) {
    it(`reads back as the address at ${side} device pixels`, () => {
      for (const text of ADDRESSES) {
        const { px } = render(text, side);
        expect(jsQR(px, side, side)?.data).toBe(text);
      }
    });
  }

  it('puts every edge on a whole pixel and keeps a 4-module quiet zone on each side', () => {
    const side = 561;
    const { size, rects } = render(ADDRESSES[0]!, side);
    const zone = Math.round((QUIET_ZONE * side) / (size + 2 * QUIET_ZONE));
    for (const [x, y, w, h] of rects) {
      for (const v of [x, y, w, h]) expect(Number.isInteger(v)).toBe(true);
      expect(Math.min(x, y)).toBeGreaterThanOrEqual(zone);
      expect(Math.max(x + w, y + h)).toBeLessThanOrEqual(side - zone);
    }
    // The finder pattern's top row (7 dark modules) starts the symbol in its top-left corner.
    expect(rects[0]).toEqual([zone, zone, expect.any(Number), expect.any(Number)]);
  });

  it('merges each row’s neighbouring dark modules into one rectangle', () => {
    const qr = encode(ADDRESSES[0]!);
    const { runs } = darkRuns(qr);
    const dark = (row: number, col: number) => qr.data[row * qr.size + col] === 1;
    expect(runs.reduce((sum, [, , length]) => sum + length, 0)).toBe(qr.data.reduce((sum, m) => sum + m, 0));
    for (const [row, col, length] of runs) {
      for (let k = col; k < col + length; k++) expect(dark(row, k)).toBe(true);
      expect(col === 0 || !dark(row, col - 1)).toBe(true);
      expect(col + length === qr.size || !dark(row, col + length)).toBe(true);
    }
  });
});
