/**
 * The few CSS colour forms a deployer's `accent` may take (#rgb, #rrggbb, rgb(), hsl()), parsed
 * without a DOM so config validation stays in the core, and WCAG 2.x contrast between two colours.
 */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

const HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
const FUNC = /^(rgb|hsl)\(\s*([^)]*)\)$/i;

/** An opaque sRGB colour, or undefined when the text is not one of the accepted forms. */
export function parseColor(text: string): Rgb | undefined {
  const value = text.trim();
  const hex = HEX.exec(value);
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    return { r: parseInt(h.slice(0, 2), 16), g: parseInt(h.slice(2, 4), 16), b: parseInt(h.slice(4, 6), 16) };
  }
  const func = FUNC.exec(value);
  if (!func) return undefined;
  // Both the comma and the space syntax; an alpha part is refused: contrast needs an opaque colour.
  const parts = func[2]!.split(/\s*,\s*|\s+/).filter(Boolean);
  if (parts.length !== 3) return undefined;
  if (func[1]!.toLowerCase() === 'rgb') {
    const [r, g, b] = parts.map((p) => (p.endsWith('%') ? (Number(p.slice(0, -1)) * 255) / 100 : Number(p)));
    if (![r, g, b].every((n) => Number.isFinite(n) && n! >= 0 && n! <= 255)) return undefined;
    return { r: Math.round(r!), g: Math.round(g!), b: Math.round(b!) };
  }
  const h = Number(parts[0]!.replace(/deg$/, ''));
  const s = Number(parts[1]!.replace(/%$/, '')) / 100;
  const l = Number(parts[2]!.replace(/%$/, '')) / 100;
  if (![h, s, l].every(Number.isFinite) || s < 0 || s > 1 || l < 0 || l > 1) return undefined;
  // CSS Color 4 §7.1, hslToRgb.
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return { r: Math.round(f(0) * 255), g: Math.round(f(8) * 255), b: Math.round(f(4) * 255) };
}

/** WCAG 2.2 relative luminance. */
export function luminance({ r, g, b }: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2.2 contrast ratio, 1 to 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
