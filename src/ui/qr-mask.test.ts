import type { QRCodeErrorCorrectionLevel, QRCodeMaskPattern } from 'qrcode';
import { create } from 'qrcode/lib/core/qrcode.js';
import { describe, expect, it } from 'vitest';
import { withBestMask } from './qr-mask';

/** mulberry32: the same texts on every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(18004);
const string = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789-_.~';
const UPPER = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const LEVELS: QRCodeErrorCorrectionLevel[] = ['L', 'M', 'Q', 'H'];

/** Verification URIs of many lengths (byte mode, with alphanumeric runs), and all-alphanumeric and all-numeric texts. */
const CASES = Array.from({ length: 300 }, (_, n) => {
  const kind = n % 3;
  const text =
    kind === 0
      ? `https://${string(LOWER, 3 + Math.floor(random() * 20))}.example/${string(LOWER, Math.floor(random() * 200))}` +
        `?user_code=${string('BCDFGHJKLMNPQRSTVWXZ', 4)}-${string('BCDFGHJKLMNPQRSTVWXZ', 4)}`
      : kind === 1
        ? `HTTP://${string(UPPER, 1 + Math.floor(random() * 300))}`
        : string('0123456789', 1 + Math.floor(random() * 500));
  return { text, level: LEVELS[n % 4]!, masks: [0, 7, Math.floor(random() * 8)] as QRCodeMaskPattern[] };
});

describe('withBestMask', () => {
  const expected = CASES.map(({ text, level }) => create(text, { errorCorrectionLevel: level }));

  it('gives the symbol qrcode chooses itself, from the symbol under any fixed mask', () => {
    CASES.forEach(({ text, level, masks }, n) => {
      for (const maskPattern of masks) {
        const fixed = create(text, { errorCorrectionLevel: level, maskPattern });
        const chosen = withBestMask(fixed);
        expect({ text, level, maskPattern, chosen: chosen.maskPattern }).toEqual({
          text,
          level,
          maskPattern,
          chosen: expected[n]!.maskPattern,
        });
        // Module for module (one comparison of the bytes: expect's element-wise toEqual on 900
        // symbols of up to 10 000 modules took this test past its timeout on a slow machine).
        expect(Buffer.from(chosen.data).equals(Buffer.from(expected[n]!.modules.data)), text).toBe(true);
      }
    });
    // What the texts covered: versions 1 to 10 and beyond (version information from 7), every level.
    const versions = new Set(expected.map((symbol) => symbol.version));
    for (let version = 1; version <= 10; version++) expect(versions).toContain(version);
    expect(Math.max(...versions)).toBeGreaterThan(10);
    expect(new Set(expected.map((symbol) => symbol.errorCorrectionLevel.bit)).size).toBe(4);
  });

  it('chooses each of the 8 masks for some text, so a fixed answer would fail', () => {
    const chosen = new Set(
      CASES.map(
        ({ text, level }) => withBestMask(create(text, { errorCorrectionLevel: level, maskPattern: 3 })).maskPattern,
      ),
    );
    expect([...chosen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('leaves the symbol it is given as it was', () => {
    const symbol = create(CASES[0]!.text, { errorCorrectionLevel: 'M', maskPattern: 5 });
    const before = symbol.modules.data.slice();
    withBestMask(symbol);
    expect(symbol.modules.data).toEqual(before);
    expect(symbol.maskPattern).toBe(5);
  });
});
