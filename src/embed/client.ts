/**
 * The app's side of the protocol (src/broker/protocol.ts), with the page's window, timers and the
 * screen's origin injected, so it runs against the real broker in a unit test. embed.ts gives it
 * the real ones. Only types are imported: embed.js stays one file with no dependency.
 */
import type { AppMessage, Id, Reply, ScreenEvent, Welcome } from '../broker/protocol';

export type EventName = ScreenEvent['event'];

export interface EmbedInit {
  method?: string;
  headers?: HeadersInit;
  /** A string (JSON.stringify it) or URLSearchParams. */
  body?: string | URLSearchParams | null;
  signal?: AbortSignal | null;
}

export interface Screen {
  /** fetch-shaped: resolves with the API's answer, rejects with a ScreenError when the screen refuses. */
  fetch(url: string | URL, init?: EmbedInit): Promise<Response>;
  /** Who is signed in: the display name, when the screen shows one. */
  user(): Promise<{ name?: string }>;
  /** `signing-out` gets `{ at }` (epoch ms). Returns a function that stops listening. */
  on(event: EventName, listener: (detail: { at?: number }) => void): () => void;
}

/** A refusal or failure, with the broker's stable code (`not_allowed_origin`, `signed_out`, …). */
export class ScreenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ScreenError';
  }
}

/** What connect() needs of the page: the real window, or a fake in tests. */
export interface Env {
  screenOrigin: string;
  parent: { postMessage(message: unknown, targetOrigin: string): void };
  self: Pick<Window, 'addEventListener' | 'removeEventListener'>;
  /** Relative URLs resolve against this (the app's own address). */
  base: string;
  now(): number;
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const V = 1;
const HELLO_EVERY_MS = 250;
const ACTIVITY_EVERY_MS = 1_000;
/**
 * An answer that has not come by then never will (the channel was taken over or the screen went
 * away): longer than the screen's own worst case, a request and a refresh and a retry of 15 s each.
 */
export const ANSWER_TIMEOUT_MS = 60_000;

/** Statuses whose Response may not have a body (Fetch standard, "null body status"). */
const NO_BODY = [204, 205, 304];

/**
 * The Back key in the spellings src/ui/remote.ts knows (standard, old Safari, webOS 461, Tizen
 * 10009); the screen asks before signing out when the app leaves it unused.
 */
export function isBack(event: Pick<KeyboardEvent, 'key' | 'keyCode' | 'altKey' | 'ctrlKey' | 'metaKey'>): boolean {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  return (
    ['Escape', 'Esc', 'Backspace', 'GoBack', 'BrowserBack', 'XF86Back'].indexOf(event.key) >= 0 ||
    [27, 8, 461, 10009].indexOf(event.keyCode) >= 0
  );
}

const editing = (target: EventTarget | null) => {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName ?? ''));
};

export function open(env: Env, timeoutMs = 10_000): Promise<Screen> {
  return new Promise((resolve, reject) => {
    const started = env.now();
    const stop = env.every(HELLO_EVERY_MS, () => {
      if (env.now() - started < timeoutMs) return hello();
      finish();
      reject(new ScreenError('not_connected', 'no screen answered: is this page in the screen’s app frame?'));
    });
    const hello = () => env.parent.postMessage({ type: 'screen-signin', v: V, op: 'hello' }, env.screenOrigin);
    const finish = () => {
      stop();
      env.self.removeEventListener('message', onWelcome);
    };
    const onWelcome = (event: MessageEvent) => {
      const data = event.data as Partial<Welcome> | null;
      if (event.source !== env.parent || event.origin !== env.screenOrigin || !event.ports?.[0]) return;
      if (data?.type !== 'screen-signin' || data.op !== 'welcome') return;
      finish();
      if (!data.versions || data.versions.indexOf(V) < 0)
        return reject(new ScreenError('unsupported_version', `the screen speaks versions ${String(data.versions)}`));
      resolve(session(env, event.ports[0]));
    };
    env.self.addEventListener('message', onWelcome);
    hello();
  });
}

function session(env: Env, port: MessagePort): Screen {
  let next = 0;
  let over = false;
  let lastActivity = -Infinity;
  const pending = new Map<Id, { resolve(reply: Reply): void; reject(error: Error): void }>();
  const listeners: Record<string, ((detail: { at?: number }) => void)[]> = {};
  const post = (message: AppMessage) => port.postMessage(message);

  const ask = (message: AppMessage & { id: Id }) =>
    new Promise<Reply>((resolve, reject) => {
      if (over) return reject(new ScreenError('signed_out', 'the screen is not signed in'));
      const cancel = env.after(ANSWER_TIMEOUT_MS, () => {
        pending.delete(message.id);
        reject(new ScreenError('timeout', 'the screen did not answer'));
      });
      const settle =
        <T>(fn: (value: T) => void) =>
        (value: T) => {
          cancel();
          fn(value);
        };
      pending.set(message.id, { resolve: settle(resolve), reject: settle(reject) });
      post(message);
    });

  port.onmessage = (event: MessageEvent) => {
    const data = event.data as Reply | ScreenEvent;
    if ('event' in data) {
      if (data.event === 'signed-out') end();
      for (const listener of (listeners[data.event] ?? []).slice())
        listener(data.event === 'signing-out' ? { at: data.at } : {});
      return;
    }
    const waiting = data.id === null ? undefined : pending.get(data.id);
    if (!waiting) return;
    pending.delete(data.id!);
    if (data.ok) waiting.resolve(data);
    else waiting.reject(new ScreenError(data.error.code, data.error.message));
  };

  // Keys and touches inside the frame never reach the screen's window: tell it someone is here,
  // and hand on a Back the app left unused (it calls preventDefault on a Back it uses).
  const onKey = (event: KeyboardEvent) => {
    onUse();
    if (!event.defaultPrevented && isBack(event) && !(event.key === 'Backspace' && editing(event.target))) {
      post({ v: V, op: 'key', key: 'back' });
      event.preventDefault();
    }
  };
  const onUse = () => {
    if (env.now() - lastActivity < ACTIVITY_EVERY_MS) return;
    lastActivity = env.now();
    post({ v: V, op: 'activity' });
  };
  env.self.addEventListener('keydown', onKey as EventListener);
  env.self.addEventListener('pointerdown', onUse);

  function end() {
    over = true;
    env.self.removeEventListener('keydown', onKey as EventListener);
    env.self.removeEventListener('pointerdown', onUse);
    for (const waiting of pending.values()) waiting.reject(new ScreenError('signed_out', 'the screen signed out'));
    pending.clear();
    port.close();
  }

  return {
    async fetch(url, init = {}) {
      const signal = init.signal;
      if (signal?.aborted) throw signal.reason;
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((value, name) => (headers[name] = value));
      let body = init.body ?? null;
      if (body instanceof URLSearchParams) {
        headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
        body = body.toString();
      } else if (body !== null && typeof body !== 'string') {
        throw new ScreenError('bad_request', 'body must be a string (JSON.stringify it) or URLSearchParams');
      }
      const method = (init.method ?? 'GET').toUpperCase();
      const id = ++next;
      const href = new URL(String(url), env.base).href;
      const answer = ask({ v: V, id, op: 'fetch', method, url: href, headers, body });
      const onAbort = () => post({ v: V, id, op: 'abort' });
      signal?.addEventListener('abort', onAbort);
      try {
        const reply = (await answer) as Extract<Reply, { status: number }>;
        const empty = method === 'HEAD' || NO_BODY.indexOf(reply.status) >= 0;
        return new Response(empty ? null : reply.body, { status: reply.status, headers: reply.headers });
      } catch (err) {
        // An abort rejects as fetch does, with the signal's reason.
        throw signal?.aborted ? signal.reason : err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    async user() {
      const reply = (await ask({ v: V, id: ++next, op: 'user' })) as { name?: string };
      return reply.name === undefined ? {} : { name: reply.name };
    },
    on(event, listener) {
      (listeners[event] ??= []).push(listener);
      return () => {
        const list = listeners[event] ?? [];
        if (list.indexOf(listener) >= 0) list.splice(list.indexOf(listener), 1);
      };
    },
  };
}
