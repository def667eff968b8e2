/**
 * The page-side probe, injected with `addInitScript` before any page script runs (the app and the
 * baseline get the same one). It watches the DOM with a MutationObserver and timestamps, in the
 * requestAnimationFrame callback of the frame that first paints them:
 *  - `textAt`: the user code as visible text ([data-testid=user-code]);
 *  - `codeAt`: the user code AND the QR drawn and readable: a canvas whose pixels, copied out
 *    (`__benchCapture`, bench/qr.ts) and decoded in node (`__benchQr`), give the IdP's address for
 *    the code on screen. The frame counts whose pixels decoded; the decoding itself happens after it. A page
 *    without any [data-testid=qr] (the baseline) counts as "code" at `textAt`;
 *  - `signedInWall`: Date.now() when [data-testid=status][data-state=signed-in] and a non-empty
 *    [data-testid=api-result] are on screen.
 * Times are performance.now(), i.e. ms since navigation start (performance.timeOrigin).
 * It also collects long tasks (PerformanceObserver 'longtask', buffered) and calls the exposed
 * binding `__benchMark(name)` at each moment so the bench can read CDP metrics right then.
 *
 * This function is serialised into the page: it must not use anything from its module scope.
 */

import type { Capture } from './qr.ts';

/** Side of the copy of the QR canvas that is decoded: 6 pixels or more a module for the codes the IdP sends. */
export const CAPTURE_SIDE = 256;

export interface ProbeState {
  textAt?: number;
  codeAt?: number;
  codeWall?: number;
  signedInAt?: number;
  signedInWall?: number;
  /** Every distinct user code seen, in order (renewals). */
  codes: string[];
  longTasks: { start: number; duration: number }[];
  /** Whether a [data-testid=qr] element was ever seen (false for the baseline). */
  sawQr: boolean;
}

export interface ResourceEntry {
  name: string;
  initiatorType: string;
  startTime: number;
  responseEnd: number;
  transferSize: number;
  encodedBodySize: number;
  decodedBodySize: number;
}

declare global {
  interface Window {
    __bench?: ProbeState;
    __benchMark?: (name: string) => Promise<void>;
    /** bench/qr.ts `captureCanvas`, installed before the probe. */
    __benchCapture?: (el: Element, side: number) => Capture | undefined;
    /** Node's answer: does this capture decode to the IdP's address for this user code? (Also reads the CDP metrics for `code`.) */
    __benchQr?: (capture: Capture, userCode: string) => Promise<boolean>;
  }
}

export function probe(captureSide: number): void {
  if (window.__bench) return;
  const state: ProbeState = { codes: [], longTasks: [], sawQr: false };
  window.__bench = state;

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) state.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no long task API: counts stay 0
  }

  const mark = (name: string): void => {
    try {
      void window.__benchMark?.(name);
    } catch {
      // binding missing (not exposed for this page)
    }
  };

  const visible = (el: Element | null): el is HTMLElement => {
    if (!el || el.getClientRects().length === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0;
  };

  const userCode = (): string | undefined => {
    const el = document.querySelector('[data-testid=user-code]');
    const text = el?.textContent?.trim();
    return text && visible(el) ? text : undefined;
  };

  let sampler: HTMLCanvasElement | undefined;
  let lastSample = -Infinity;
  const qrDrawn = (): boolean => {
    const el = document.querySelector('[data-testid=qr]');
    if (!el) return false;
    state.sawQr = true;
    if (!visible(el)) return false;
    if (el instanceof HTMLCanvasElement) {
      if (!el.width || !el.height) return false;
      // Reading pixels is not free on a throttled CPU (~5 ms at 6x): sample at once when the canvas
      // left its 300x150 default size (a QR library sizes it, then draws in the same task), else at
      // most every 250 ms.
      const t = performance.now();
      if (el.width === 300 && el.height === 150 && t - lastSample < 250) return false;
      lastSample = t;
      // Sample through a small canvas of our own: never touches the app canvas's context.
      sampler ??= document.createElement('canvas');
      sampler.width = 64;
      sampler.height = 64;
      const ctx = sampler.getContext('2d', { willReadFrequently: true });
      if (!ctx) return false;
      ctx.clearRect(0, 0, 64, 64);
      ctx.drawImage(el, 0, 0, 64, 64);
      const px = ctx.getImageData(0, 0, 64, 64).data;
      let dark = 0;
      let light = 0;
      for (let i = 0; i < px.length; i += 4) {
        if ((px[i + 3] ?? 0) < 128) continue;
        const lum = ((px[i] ?? 0) + (px[i + 1] ?? 0) + (px[i + 2] ?? 0)) / 3;
        if (lum < 96) dark++;
        else if (lum > 160) light++;
      }
      return dark > 20 && light > 20;
    }
    if (el instanceof HTMLImageElement) return el.complete && el.naturalWidth > 0;
    if (el instanceof SVGElement) return el.querySelector('path, rect, polygon, use') !== null;
    return el.querySelector('canvas, svg, img') !== null;
  };

  const signedIn = (): boolean => {
    const status = document.querySelector('[data-testid=status]');
    if (status?.getAttribute('data-state') !== 'signed-in') return false;
    const api = document.querySelector('[data-testid=api-result]');
    return visible(api) && (api.textContent ?? '').trim() !== '';
  };

  let scheduled = false;
  let fallback: ReturnType<typeof setTimeout> | undefined;
  /** A capture is with node being decoded. */
  let deciding = false;
  const later = (): void => {
    // The QR may be drawn without any DOM mutation: look again a little later until it is.
    fallback ??= setTimeout(() => {
      fallback = undefined;
      schedule();
    }, 100);
  };
  /** Whether the QR in this frame is readable; the code moment is this frame's when it is. */
  const readable = (qr: Element, code: string, at: number, wall: number): void => {
    const capture = window.__benchCapture?.(qr, captureSide);
    if (!capture || !window.__benchQr) return later();
    deciding = true;
    window.__benchQr(capture, code).then(
      (ok) => {
        deciding = false;
        if (!ok) return later();
        state.codeAt ??= at;
        state.codeWall ??= wall;
      },
      () => {
        deciding = false;
        later();
      },
    );
  };
  const check = (): void => {
    scheduled = false;
    const now = performance.now();
    const code = userCode();
    if (code && state.codes[state.codes.length - 1] !== code) state.codes.push(code);
    if (code && state.textAt === undefined) {
      state.textAt = now;
      mark('text');
    }
    if (code && state.codeAt === undefined && !deciding) {
      const qr = document.querySelector('[data-testid=qr]');
      if (!qr) {
        state.codeAt = now;
        state.codeWall = Date.now();
        mark('code');
      } else if (qrDrawn()) readable(qr, code, now, Date.now());
      else later();
    }
    if (state.signedInWall === undefined && signedIn()) {
      state.signedInAt = now;
      state.signedInWall = Date.now();
      mark('signed-in');
    }
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(check);
  };

  // The Document node exists before any markup is parsed: observing it sees everything.
  new MutationObserver(schedule).observe(document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
}

/**
 * `fn` as a script for `addInitScript({ content })` / `page.evaluate(string)`. tsx (esbuild with
 * keepNames) wraps named inner functions in `__name(...)`, which does not exist in the page.
 */
export function pageScript<A>(fn: (arg: A) => unknown, arg?: A): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)}); })()`;
}

/** Reads what the probe saw plus the page's resource timing (run in the page). */
export function collect(): {
  state: ProbeState | undefined;
  resources: ResourceEntry[];
  navigation: ResourceEntry | undefined;
} {
  const pick = (e: PerformanceResourceTiming): ResourceEntry => ({
    name: e.name,
    initiatorType: e.initiatorType,
    startTime: e.startTime,
    responseEnd: e.responseEnd,
    transferSize: e.transferSize,
    encodedBodySize: e.encodedBodySize,
    decodedBodySize: e.decodedBodySize,
  });
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  return {
    state: window.__bench,
    resources: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map(pick),
    navigation: nav ? pick(nav) : undefined,
  };
}
