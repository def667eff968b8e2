/**
 * The boot path's words: English is in the boot chunk, every other catalogue is the same chunk the
 * app loads (src/i18n/catalogues.ts, which the app uses too), fetched once, started as soon as
 * the language can be guessed so that it arrives with the code or before it.
 */
import { CATALOGUES } from '../i18n/catalogues';
import en, { type MessageKey, type ScreenMessages } from '../i18n/en';
import { format, type Language } from '../i18n/language';

const loading = new Map<Language, Promise<ScreenMessages>>();

/** The catalogue for `lang`; English when its chunk cannot be loaded (as the app does). */
export function loadCatalogue(lang: Language): Promise<ScreenMessages> {
  let messages = loading.get(lang);
  if (!messages) {
    messages =
      lang === 'en'
        ? Promise.resolve(en)
        : CATALOGUES[lang]().then(
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
