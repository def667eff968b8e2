/**
 * Colours for the chosen theme and the deployer's accent. The accent draws focus rings, the
 * countdown and primary buttons, so it must stand out from the background (WCAG 1.4.11: 3:1);
 * one that does not is replaced by the theme's own, with a note for the operator.
 */
import { contrast, parseColor, type Rgb } from '../core/color';

export const THEMES = {
  dark: { background: '#0f1419', accent: '#8ab4f8' },
  light: { background: '#f7f8fa', accent: '#1a56c4' },
} as const;

/** WCAG 2.2 §1.4.11 non-text contrast. */
export const MIN_ACCENT_CONTRAST = 3;

export interface ResolvedTheme {
  theme: keyof typeof THEMES;
  accent: string;
  /** Text on an accent-filled button: black or white, whichever contrasts more (always ≥ 4.5:1). */
  onAccent: '#000000' | '#ffffff';
  /** Why the configured accent was not used. */
  note?: string;
}

const BLACK: Rgb = { r: 0, g: 0, b: 0 };
const WHITE: Rgb = { r: 255, g: 255, b: 255 };

export function resolveTheme(theme: keyof typeof THEMES = 'dark', accent?: string): ResolvedTheme {
  const colours = THEMES[theme];
  const background = parseColor(colours.background)!;
  let chosen: string = colours.accent;
  let note: string | undefined;
  const wanted = accent ? parseColor(accent) : undefined;
  if (accent && wanted) {
    const ratio = contrast(wanted, background);
    if (ratio >= MIN_ACCENT_CONTRAST) chosen = accent;
    else
      note = `accent ${accent} has ${ratio.toFixed(2)}:1 contrast against the ${theme} background (3:1 needed); the default accent is used.`;
  }
  const rgb = parseColor(chosen)!;
  const onAccent = contrast(rgb, BLACK) >= contrast(rgb, WHITE) ? '#000000' : '#ffffff';
  return { theme, accent: chosen, onAccent, note };
}
