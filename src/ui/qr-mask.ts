/**
 * Mask selection for a symbol from the qrcode package, without its getBestMask: that one masks the
 * symbol 8 times and reads every module through a method call, and is most of create()'s time on a
 * cold page (a slow TV, before the JIT). Encode with a fixed mask (cheap), then call withBestMask:
 * the same symbol, bit for bit, as create() choosing the mask itself. One byte per module holds its
 * colour under all 8 masks, so each penalty rule is one pass of bitwise operations for all of them.
 */
import type { QRCode, QRCodeMaskPattern } from 'qrcode';
import { getEncodedBits } from 'qrcode/lib/core/format-info.js';

/**
 * ISO/IEC 18004 §7.8.2 Table 10: bit p of TILE[(i % 12) * 12 + j % 12] is set where mask p inverts
 * the module at row i, column j. Every mask repeats every 12 rows and 12 columns (2, 3, 4 and 6 divide 12).
 */
const TILE = new Uint8Array(144);
for (let i = 0; i < 12; i++) {
  for (let j = 0; j < 12; j++) {
    const ij = i * j;
    // Each expression is 0 where its mask inverts.
    const conditions = [
      (i + j) % 2,
      i % 2,
      j % 3,
      (i + j) % 3,
      (((i / 2) | 0) + ((j / 3) | 0)) % 2,
      (ij % 2) + (ij % 3),
      ((ij % 2) + (ij % 3)) % 2,
      (((i + j) % 2) + (ij % 3)) % 2,
    ];
    conditions.forEach((v, p) => {
      if (v === 0) TILE[i * 12 + j] |= 1 << p;
    });
  }
}

/**
 * The symbol's modules (1 = dark) under the mask that ISO/IEC 18004 §7.8.3 selects, as qrcode's
 * getBestMask selects it (lowest penalty, the first on a tie), from the same symbol encoded with any
 * fixed mask. `data` is a new array; `symbol` is not changed.
 */
export function withBestMask(symbol: QRCode): { maskPattern: QRCodeMaskPattern; data: Uint8Array } {
  const { size, data, reservedBit } = symbol.modules;
  const n = size * size;
  // create() always sets maskPattern; its type allows undefined only for the options object's sake.
  const input = symbol.maskPattern!;

  // Bit p of colours[i]: module i under mask p. Function patterns keep their colour under every mask.
  const colours = new Uint8Array(n);
  for (let r = 0, i = 0; r < size; r++) {
    const tileRow = (r % 12) * 12;
    for (let c = 0; c < size; c++, i++) {
      if (reservedBit[i]) {
        colours[i] = data[i] ? 0xff : 0;
      } else {
        const inverts = TILE[tileRow + (c % 12)];
        const plain = data[i] ^ ((inverts >> input) & 1);
        colours[i] = plain ? ~inverts & 0xff : inverts;
      }
    }
  }

  // §7.9.1: the format information names the mask, so each candidate is scored with its own. Bit k
  // goes down column 8 (skipping the timing row) and along row 8 from the right edge, as qrcode's
  // setupFormatInfo lays it; the dark module at (size - 8, 8) is already in place.
  const formats: number[] = [];
  for (let p = 0; p < 8; p++) formats.push(getEncodedBits(symbol.errorCorrectionLevel, p));
  for (let k = 0; k < 15; k++) {
    let byMask = 0;
    for (let p = 0; p < 8; p++) byMask |= ((formats[p] >> k) & 1) << p;
    const down = k < 6 ? k : k < 8 ? k + 1 : size - 15 + k;
    const along = k < 8 ? size - 1 - k : k === 8 ? 7 : 14 - k;
    colours[down * size + 8] = byMask;
    colours[8 * size + along] = byMask;
  }

  // §7.8.3 Table 11, scored for the 8 masks at once: bitwise operations on colours give the set of
  // masks (bit p for mask p) that have a feature, and points[set] collects the points it costs them.
  const points = new Uint32Array(256);
  // N4 is not a sum, so first the modules: darkIn[set], how many are dark under exactly those masks.
  const darkIn = new Uint32Array(256);
  for (let i = 0; i < n; i++) darkIn[colours[i]]++;
  // N2: 3 points for each 2 × 2 block of one colour, overlapping blocks counted each.
  for (let r = 1; r < size; r++) {
    for (let i = r * size + 1, end = (r + 1) * size; i < end; i++) {
      const a = colours[i - size - 1];
      const b = colours[i - size];
      const c = colours[i - 1];
      const d = colours[i];
      const oneColour = (a & b & c & d) | (~(a | b | c | d) & 0xff);
      if (oneColour) points[oneColour] += 3;
    }
  }
  for (let k = 0; k < size; k++) {
    line(colours, k * size, 1, size, points);
    line(colours, k, size, size, points);
  }

  let best = 0;
  let lowest = Infinity;
  for (let p = 0; p < 8; p++) {
    let penalty = 0;
    let dark = 0;
    // Every set with mask p in it.
    for (let set = 1 << p; set < 256; set = (set + 1) | (1 << p)) {
      penalty += points[set];
      dark += darkIn[set];
    }
    // N4 as the library writes it: ceil, where the standard has the floor of |dark % − 50| / 5, so a
    // symbol just over half dark already costs 10 points; the float rounding is the library's too.
    penalty += 10 * Math.abs(Math.ceil((dark * 100) / n / 5) - 10);
    if (penalty < lowest) {
      lowest = penalty;
      best = p;
    }
  }

  const modules = new Uint8Array(n);
  for (let i = 0; i < n; i++) modules[i] = (colours[i] >> best) & 1;
  return { maskPattern: best as QRCodeMaskPattern, data: modules };
}

/**
 * Adds to `points` the N1 and N3 points of one row or column, `size` modules from `start`, `step`
 * apart, for the 8 masks at once.
 */
function line(colours: Uint8Array, start: number, step: number, size: number, points: Uint32Array): void {
  // x1 … x10: the modules 1 to 10 back. Before the first module, x1 is its opposite under every
  // mask, so no run continues into the line.
  let x1 = colours[start] ^ 0xff;
  let x2 = 0;
  let x3 = 0;
  let x4 = 0;
  let x5 = 0;
  let x6 = 0;
  let x7 = 0;
  let x8 = 0;
  let x9 = 0;
  let x10 = 0;
  // sameK: the module K back has the colour of the one before it.
  let same1 = 0;
  let same2 = 0;
  let same3 = 0;
  let same4 = 0;
  for (let k = 0, i = start; k < size; k++, i += step) {
    const x0 = colours[i];
    const same0 = ~(x0 ^ x1) & 0xff;
    // N1: 3 points for a run of 5 of one colour, 1 more for each module beyond it, so a run of
    // L ≥ 5 scores 1 at each of its last L − 4 modules and 2 more at its fifth.
    const fiveAlike = same0 & same1 & same2 & same3;
    if (fiveAlike) {
      points[fiveAlike] += 1;
      const fifth = fiveAlike & ~same4;
      if (fifth) points[fifth] += 2;
    }
    // N3: 40 points for each 10111010000 or 00001011101 in 11 modules of the line. The 4 light
    // modules must be inside the symbol (the quiet zone does not count), and 00001011101 0000
    // scores twice.
    if (k >= 10) {
      const core = x6 & ~x5 & x4;
      const lightAfter = x10 & ~x9 & x8 & x7 & core & ~(x3 | x2 | x1 | x0);
      const lightBefore = ~(x10 | x9 | x8 | x7) & core & x3 & x2 & ~x1 & x0;
      if (lightAfter) points[lightAfter] += 40;
      if (lightBefore) points[lightBefore] += 40;
    }
    same4 = same3;
    same3 = same2;
    same2 = same1;
    same1 = same0;
    x10 = x9;
    x9 = x8;
    x8 = x7;
    x7 = x6;
    x6 = x5;
    x5 = x4;
    x4 = x3;
    x3 = x2;
    x2 = x1;
    x1 = x0;
  }
}
