/**
 * The boot path's words: English is in the boot chunk, every other catalogue is the same chunk the
 * app loads (src/i18n/i18n.svelte.ts imports these modules too), fetched once, started as soon as
 * the language can be guessed so that it arrives with the code or before it.
 */
import en, { type MessageKey, type Messages, type ScreenMessages } from '../i18n/en';
import { format, type Language } from '../i18n/language';

const LOADERS: Record<Exclude<Language, 'en'>, () => Promise<{ default: Messages }>> = {
  de: () => import('../i18n/de'),
  fr: () => import('../i18n/fr'),
  es: () => import('../i18n/es'),
  ja: () => import('../i18n/ja'),
  ar: () => import('../i18n/ar'),
};

const loading = new Map<Language, Promise<ScreenMessages>>();

/** The catalogue for `lang`; English when its chunk cannot be loaded (as the app does). */
export function loadCatalogue(lang: Language): Promise<ScreenMessages> {
  let messages = loading.get(lang);
  if (!messages) {
    messages =
      lang === 'en'
        ? Promise.resolve(en)
        : LOADERS[lang]().then(
            (m) => m.default,
            () => en,
          );
    loading.set(lang, messages);
  }
  return messages;
}

/** A message with its placeholders filled, English where the catalogue lacks it (as I18n.t). */
export const translate = (
  messages: ScreenMessages,
  key: MessageKey,
  params?: Record<string, string | number>,
): string => format(messages[key] || en[key], params);
