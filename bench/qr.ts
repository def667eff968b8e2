/**
 * "The QR is on screen" means a phone could read it: the canvas's pixels are copied in the page
 * (`captureCanvas`) and decoded in node with jsQR (`decodeCapture`), and the text must be the
 * address the IdP sent. Used by the bench's probe (bench/probe.ts) and by e2e/boot.e2e.ts.
 */
import jsQRModule from 'jsqr';

// CommonJS with types for an ES default export: from node the function is `.default`.
const jsQR = jsQRModule.default;

/** A canvas's pixels as luminance, one byte a pixel, base64 (cheap to pass out of the page). */
export interface Capture {
  width: number;
  height: number;
  luma: string;
}

/**
 * Runs in the page (serialised: nothing from this module's scope): copies `el` into a `side`×`side`
 * canvas of its own (the app's canvas and its context are only read from), without smoothing so
 * modules keep their edges, and packs the luminance. Undefined for anything but a drawn canvas.
 */
export function captureCanvas(el: Element, side: number): Capture | undefined {
  if (!(el instanceof HTMLCanvasElement) || !el.width || !el.height) return undefined;
  const copy = document.createElement('canvas');
  copy.width = side;
  copy.height = side;
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  if (!ctx) return undefined;
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, side, side);
  ctx.drawImage(el, 0, 0, side, side);
  const px = ctx.getImageData(0, 0, side, side).data;
  let bytes = '';
  for (let i = 0; i < px.length; i += 4) {
    bytes += String.fromCharCode(Math.round(((px[i] ?? 0) + (px[i + 1] ?? 0) + (px[i + 2] ?? 0)) / 3));
  }
  return { width: side, height: side, luma: btoa(bytes) };
}

/** The text of the QR code in a capture, or undefined when there is none a reader can decode. */
export function decodeCapture(capture: Capture): string | undefined {
  const luma = Buffer.from(capture.luma, 'base64');
  const rgba = new Uint8ClampedArray(capture.width * capture.height * 4);
  for (let i = 0; i < luma.length; i++) {
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = luma[i]!;
    rgba[i * 4 + 3] = 255;
  }
  return jsQR(rgba, capture.width, capture.height, { inversionAttempts: 'dontInvert' })?.data;
}
