/**
 * The QR code of the verification URI, drawn once onto a canvas the size it is shown at, in device
 * pixels: black modules on white, with the 4-module quiet zone the QR standard (ISO/IEC 18004) asks
 * for. Module edges fall on whole pixels, so the code is sharp without a re-draw when CSS
 * shows it, and a slow TV spends one fillRect per run of dark modules instead of a loop over every
 * pixel. Used by the boot path (src/boot) and by QrCode.svelte, so both draw the same pixels.
 */
import { create } from 'qrcode/lib/core/qrcode.js';
import { withBestMask } from './qr-mask';

/** Modules of white around the symbol. */
export const QUIET_ZONE = 4;
/** Side in device pixels when the canvas is not laid out (hidden): enough for a phone at a few metres. */
const FALLBACK_SIDE = 480;

/** A QR symbol: `size` × `size` modules, row by row, 1 = dark. */
export interface QrSymbol {
  size: number;
  data: Uint8Array;
}

/**
 * The symbol for `text` at error-correction level M: the library's encoder alone, without its
 * renderers (a chunk of its own, which the boot path loads while the IdP answers: src/boot/screen.ts).
 * Encoded with a fixed mask, then given the mask the library would have chosen (./qr-mask), which
 * costs a cold page a fraction of the library's own choosing.
 */
export function encode(text: string): QrSymbol {
  const symbol = create(text, { errorCorrectionLevel: 'M', maskPattern: 0 });
  return { size: symbol.modules.size, data: withBestMask(symbol).data };
}

/** One horizontal run of dark modules: row, first column, length (in modules, quiet zone excluded). */
export type Run = [row: number, col: number, length: number];

/** The symbol as runs of dark modules, row by row. */
export function darkRuns({ size, data }: QrSymbol): { size: number; runs: Run[] } {
  const runs: Run[] = [];
  for (let row = 0; row < size; row++) {
    const at = row * size;
    for (let col = 0; col < size;) {
      if (!data[at + col]) {
        col++;
        continue;
      }
      let end = col + 1;
      while (end < size && data[at + end]) end++;
      runs.push([row, col, end - col]);
      col = end;
    }
  }
  return { size, runs };
}

/**
 * Rectangles in device pixels for a canvas `side` pixels wide: module i (counted with the quiet
 * zone) starts at round(i * side / total), so every edge is on a pixel and the symbol fills the side.
 */
export function runRects(size: number, runs: Run[], side: number): [x: number, y: number, w: number, h: number][] {
  const total = size + 2 * QUIET_ZONE;
  const edge = (i: number) => Math.round(((i + QUIET_ZONE) * side) / total);
  return runs.map(([row, col, length]) => [
    edge(col),
    edge(row),
    edge(col + length) - edge(col),
    edge(row + 1) - edge(row),
  ]);
}

/** What was drawn last: the same text at the same size is copied, not encoded again (the screen taking over from the boot path). */
let last: { text: string; canvas: HTMLCanvasElement } | undefined;

/** Draws `text` on `canvas` at its displayed size × devicePixelRatio. Call once per text. */
export function drawQr(canvas: HTMLCanvasElement, text: string): void {
  const shown = canvas.getBoundingClientRect().width;
  const side = shown > 0 ? Math.round(shown * (window.devicePixelRatio || 1)) : FALLBACK_SIDE;
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  if (last && last.text === text && last.canvas !== canvas && last.canvas.width === side) {
    ctx.drawImage(last.canvas, 0, 0);
  } else {
    const { size, runs } = darkRuns(encode(text));
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, side, side);
    ctx.fillStyle = '#000000';
    for (const [x, y, w, h] of runRects(size, runs, side)) ctx.fillRect(x, y, w, h);
  }
  last = { text, canvas };
}
