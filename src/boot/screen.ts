/**
 * index.html's code screen (#boot) filled in before the app has loaded: the words, the theme, the
 * code, the address, the countdown and the QR, as App.svelte shows them (same elements, classes,
 * words and hooks), so that the app can take its place in one frame with nothing moving. Each
 * `data-testid` hook is set together with its content, so a hook never shows an empty value.
 */
import { systemClock } from '../core/clock';
import type { Config } from '../core/config';
import type { DeviceCode } from '../core/device-flow';
import type { MessageKey, ScreenMessages as Messages } from '../i18n/en';
import { direction, formatClock, splitAround, type Language } from '../i18n/language';
import { codeParts, lookalikes, spelled } from '../ui/code-text';
import { resolveTheme } from '../ui/theme';
import { translate } from './catalogues';
import { afterNextPaint } from './schedule';

export type BootState = 'starting' | 'requesting' | 'code';

let qrModule: Promise<typeof import('../ui/qr')> | undefined;

/**
 * The QR encoder (src/ui/qr.ts and qrcode, a fifth of the boot code): a chunk of its own, which
 * ./flow asks for once discovery has left, so that the first file is smaller and the encoder
 * arrives and compiles while the IdP answers. The app's QrCode.svelte imports the same chunk.
 */
export const loadQr = (): Promise<typeof import('../ui/qr')> => (qrModule ??= import('../ui/qr'));

const STATUS: Record<BootState, MessageKey> = {
  starting: 'status_starting',
  requesting: 'status_requesting',
  code: 'status_code',
};

const text = (s: string) => document.createTextNode(s);

/** What `el.replaceChildren(...)` does; that came with Chromium 86 and Safari 14, after the TV engines. */
function fill(el: Element, ...children: (Node | string)[]): void {
  el.textContent = '';
  el.append(...children);
}

function span(className: string, ...children: (Node | string)[]): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.append(...children);
  return el;
}

export class BootScreen {
  readonly root: HTMLElement;
  #lang: Language = 'en';
  #messages: Messages | undefined;
  #state: BootState = 'starting';
  #timer: ReturnType<typeof setInterval> | undefined;
  #qr: { canvas: HTMLCanvasElement; uri: string } | undefined;

  constructor(root: HTMLElement) {
    this.root = root;
  }

  /** An element of index.html's markup (it is there: the markup and this class go together). */
  #el<T extends Element = HTMLElement>(selector: string): T {
    return this.root.querySelector<T>(selector)!;
  }

  #t(key: MessageKey, params?: Record<string, string | number>): string {
    return translate(this.#messages!, key, params);
  }

  /** The configuration's look and the language's words in the header, as App.svelte's effects apply them. */
  configure(config: Config, lang: Language, messages: Messages): void {
    this.#lang = lang;
    this.#messages = messages;
    const html = document.documentElement;
    html.lang = lang;
    html.dir = direction(lang);
    const theme = resolveTheme(config.theme, config.accent);
    html.setAttribute('data-theme', theme.theme);
    html.style.setProperty('--accent', theme.accent);
    html.style.setProperty('--on-accent', theme.onAccent);
    if (config.kiosk) html.setAttribute('data-kiosk', '');
    const title = config.title ?? this.#t('title');
    document.title = title;
    this.#el('.title').textContent = title;
    if (config.logo) {
      const logo = document.createElement('img');
      logo.className = 'logo';
      logo.src = config.logo.href;
      logo.alt = '';
      this.#el('.brand').prepend(logo);
    }
    // RFC 8628 §5.4: which screen this is, laid out now so that nothing moves when the code comes.
    const name = this.#el('.screen-name');
    if (config.screen_name) {
      const [before, after] = splitAround(this.#t('code_screen'), 'name');
      const bdi = document.createElement('bdi');
      bdi.textContent = config.screen_name;
      fill(name, text(before), bdi, text(after));
    } else name.remove();
    this.status(this.#state);
  }

  /** Lays the header out and shows it (src/boot/boot.css); `prepare` does too. */
  showHeader(): void {
    this.root.setAttribute('data-header', '');
  }

  /**
   * The code screen's words, still hidden, for while the device authorization request is out:
   * then the code's arrival has little left to do. Laying the hidden screen out finds its fonts
   * (slow the first time on some engines), the code's too through a placeholder in its place.
   * Call after `configure`; once is enough (`showCode` calls it if it has not run yet).
   */
  prepare(): void {
    if (this.root.hasAttribute('data-words')) return;
    const instruction = this.#t('code_instruction');
    const at = instruction.indexOf('{uri}');
    const address = this.#el('.uri');
    fill(this.#el('.go'), text(instruction.slice(0, at)), address, text(instruction.slice(at + '{uri}'.length)));
    fill(this.#el('.code'), span('group', '0'));
    const template = this.#t('code_expires');
    const place = template.indexOf('{time}');
    const clock = this.#el('time');
    fill(
      this.#el('.countdown'),
      text(place < 0 ? `${template} ` : template.slice(0, place)),
      clock,
      text(place < 0 ? '' : template.slice(place + '{time}'.length)),
    );
    // Only the bar and the text, as Countdown.svelte renders them (no markup whitespace).
    fill(this.#el('.expires'), this.#el('.bar'), this.#el('.countdown'));
    // Where the clock needs Intl.NumberFormat (src/i18n/language.ts), its first one is made now.
    clock.textContent = formatClock(this.#lang, 0);
    this.#el('.caution').textContent = this.#t('code_caution');
    this.#el('.new-code').textContent = this.#t('new_code');
    this.#el('.frame').setAttribute('aria-label', this.#t('qr_label'));
    this.#el('.scan').textContent = this.#t('code_scan');
    this.showHeader();
    this.root.setAttribute('data-words', '');
  }

  status(state: BootState): void {
    this.#state = state;
    const status = this.#el('[data-testid=status]');
    status.setAttribute('data-state', state);
    if (this.#messages) status.textContent = this.#t(STATUS[state]);
  }

  /** The code, its address and its countdown (App.svelte's code screen, UserCode, Countdown); `configure` came first. */
  showCode(code: DeviceCode, qrUri: string): void {
    this.prepare();
    const uri = /^(https?:\/\/)?(.*)$/.exec(code.verification_uri)!;
    const address = this.#el('.uri');
    fill(address, ...(uri[1] ? [span('scheme', uri[1])] : []), text(uri[2] ?? ''));
    address.setAttribute('data-testid', 'verification-uri');
    this.root.querySelector('.screen-name')?.setAttribute('data-testid', 'screen-name');
    this.#el('.caution').setAttribute('data-testid', 'caution');

    const userCode = this.#el('.code');
    userCode.style.setProperty('--chars', String(Array.from(code.user_code).length));
    userCode.setAttribute('aria-label', this.#t('code_label', { spelled: spelled(code.user_code) }));
    fill(
      userCode,
      ...codeParts(code.user_code).map((part) =>
        span(
          part.separator ? 'sep' : part.gap ? 'group gap' : 'group',
          ...Array.from(part.text).map((c) => (c === '0' ? span('zero', c) : c)),
        ),
      ),
    );
    userCode.setAttribute('data-testid', 'user-code');

    const confusable = lookalikes(code.user_code);
    const hint = this.#el('.lookalikes');
    hint.classList.toggle('hidden', !confusable.length);
    hint.textContent = confusable.length ? this.#t('code_lookalikes', { chars: confusable.join(' ') }) : ' ';
    hint.setAttribute('data-testid', 'lookalikes');

    const clock = this.#el('time');
    const tick = () =>
      (clock.textContent = formatClock(this.#lang, Math.max(0, code.expires_at - systemClock.now()) / 1000));
    tick();
    this.#timer = setInterval(tick, 1000);
    this.#el('.expires').setAttribute('data-testid', 'expires');

    const button = this.#el('.new-code');
    button.setAttribute('data-testid', 'new-code');
    const canvas = this.#el<HTMLCanvasElement>('.qr');
    canvas.setAttribute('data-uri', qrUri);
    canvas.setAttribute('data-testid', 'qr');
    this.#qr = { canvas, uri: qrUri };

    this.root.setAttribute('data-code', '');
    this.status('code');
    // As App.svelte does on every screen: OK on the remote lands on the primary action. Once the
    // code is painted: focusing updates the page's style and layout at once, which the code's
    // frame would otherwise wait for (30 ms on a slow TV).
    afterNextPaint(() => button.focus());
  }

  /**
   * Draws the code's QR (src/ui/qr.ts, as QrCode.svelte draws it), never in the frame that shows
   * the code's text: encoding costs a slow TV tens of milliseconds, which the text need not wait
   * for. The QR follows in the next frame. Resolves once that frame is painted too.
   */
  async drawQr(): Promise<void> {
    // Not loaded (network): the code stays, and the app's screen draws the QR with its own chunks.
    const qr = await loadQr().catch(() => undefined);
    await new Promise<void>((done) =>
      afterNextPaint(() => {
        if (qr && this.#qr) qr.drawQr(this.#qr.canvas, this.#qr.uri);
        afterNextPaint(done);
      }),
    );
  }

  /** Stops this screen's own work (its timer, a QR still to draw); the app's screen replaces the markup. */
  release(): void {
    clearInterval(this.#timer);
    this.#qr = undefined;
  }
}
