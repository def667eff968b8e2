/**
 * The language in force for the UI. English is bundled (it is also every catalogue's fallback);
 * the others load on demand, so a screen downloads only the one it shows.
 */
import type { AppError } from '../core/errors';
import type { Notice } from '../session/notice';
import { CATALOGUES } from './catalogues';
import en, { type MessageKey, type Messages, type PluralKey, type ScreenMessages } from './en';
import { direction, format, formatClock, pickLanguage, pluralForm, type Language } from './language';

type Explain = typeof import('./explain');

export class I18n {
  lang: Language = $state('en');
  messages: ScreenMessages | Messages = $state.raw(en);
  #wanted: Language = 'en';
  /** The explanations (explain.ts with English as every catalogue's fallback), loading from boot. */
  #explain: Explain | undefined = $state.raw();
  /** Settles once the explanations have loaded (or failed to: the headline and details remain). */
  readonly explanations: Promise<void>;

  constructor() {
    // Needed only once something goes wrong, so not in the first paint's bytes; asked for at once
    // so it is here long before any error (an error at start-up waits for it: see main.ts).
    this.explanations = import('./explain').then(
      (module) => void (this.#explain = module),
      () => undefined,
    );
  }

  get dir(): 'ltr' | 'rtl' {
    return direction(this.lang);
  }

  /** Switches to the best language for `configured` and the browser's list; English until it has loaded. */
  async use(configured: string | undefined, browser: readonly string[]): Promise<void> {
    const lang = pickLanguage(configured, browser);
    this.#wanted = lang;
    let messages: ScreenMessages | Messages = en;
    if (lang !== 'en') {
      try {
        messages = (await CATALOGUES[lang]()).default;
      } catch {
        return; // a chunk that failed to load leaves the screen in English rather than blank
      }
    }
    if (this.#wanted !== lang) return; // a later choice won the race
    this.messages = messages;
    this.lang = lang;
  }

  t(key: MessageKey, params?: Record<string, string | number>): string {
    return format(this.messages[key] || en[key], params);
  }

  plural(key: PluralKey, count: number, params: Record<string, string | number> = {}): string {
    const forms = this.messages[key] ?? en[key];
    return format(pluralForm(this.lang, count, forms), {
      count: new Intl.NumberFormat(this.lang).format(count),
      ...params,
    });
  }

  /** What went wrong and what to do, in this language (the headline is `error_{code}`). */
  explain(error: AppError): string {
    return this.#explain?.explainError(this.messages, error) ?? '';
  }

  notice(notice: Notice): string {
    return this.#explain?.explainNotice(this.messages, notice) ?? '';
  }

  clock(seconds: number): string {
    return formatClock(this.lang, seconds);
  }
}

export const i18n = new I18n();
