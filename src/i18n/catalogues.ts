/**
 * Where each language's catalogue comes from: one chunk per language, fetched on demand by the
 * boot path (src/boot/catalogues.ts) and by the app (i18n.svelte.ts), so a screen downloads only
 * the one it shows, once. English is bundled and is every catalogue's fallback.
 */
import type { Messages } from './en';
import type { Language } from './language';

export const CATALOGUES: Record<Exclude<Language, 'en'>, () => Promise<{ default: Messages }>> = {
  de: () => import('./de'),
  fr: () => import('./fr'),
  es: () => import('./es'),
  ja: () => import('./ja'),
  ar: () => import('./ar'),
};
