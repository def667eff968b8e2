/**
 * embed.js against the real broker, over node's real MessageChannel: the two windows are fakes that
 * deliver postMessage as the browser would (origin and source filled in by the "browser", not by
 * the sender), so each side's checks run on what it would really see.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker, type ApiAnswer, type ApiRequest } from '../broker/broker';
import { remoteAction } from '../ui/remote';
import { ANSWER_TIMEOUT_MS, isBack, open, ScreenError, type Env, type Screen } from './client';

const SCREEN = 'https://screens.example';
const APP = 'https://rooms.example';
const API = 'https://api.example';

type Listener = (event: unknown) => void;

function fakeWindow() {
  const listeners: Record<string, Listener[]> = {};
  return {
    addEventListener: (type: string, fn: Listener) => void (listeners[type] ??= []).push(fn),
    removeEventListener: (type: string, fn: Listener) => {
      const list = listeners[type] ?? [];
      if (list.includes(fn)) list.splice(list.indexOf(fn), 1);
    },
    dispatch: (type: string, event: unknown) => (listeners[type] ?? []).slice().forEach((fn) => fn(event)),
    count: (type: string) => (listeners[type] ?? []).length,
  };
}

const opened: MessagePort[] = [];
afterEach(() => opened.splice(0).forEach((p) => p.close()));

function setup(options: { answers?: (ApiAnswer | Error | 'hang')[]; user?: string } = {}) {
  const clock = { now: 0, ticks: [] as (() => void)[], timers: [] as { at: number; fn: () => void }[] };
  const calls = { back: 0, activity: 0, requests: [] as { request: ApiRequest; signal: AbortSignal }[] };
  const answers = options.answers ?? [];
  const appWindow = fakeWindow();
  const screenWindow = {
    postMessage(data: unknown, targetOrigin: string) {
      // The browser stamps the sender's origin and window; the screen's window then runs the broker.
      if (targetOrigin === SCREEN) broker.receive({ data, origin: APP, source: frameWindow }, frameWindow);
    },
  };
  const frameWindow = {
    postMessage(data: unknown, targetOrigin: string, transfer: Transferable[]) {
      opened.push(...(transfer as MessagePort[]));
      if (targetOrigin === APP)
        queueMicrotask(() =>
          appWindow.dispatch('message', { data, origin: SCREEN, source: screenWindow, ports: transfer }),
        );
    },
  };
  const broker = new Broker({
    appOrigin: APP,
    apis: [API],
    host: {
      fetch(request, signal) {
        calls.requests.push({ request, signal });
        const answer = answers.shift() ?? { status: 200, headers: new Headers(), body: '' };
        if (answer === 'hang')
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      user: () => options.user,
      activity: () => void calls.activity++,
      back: () => void calls.back++,
      now: () => clock.now,
    },
  });
  const env: Env = {
    screenOrigin: SCREEN,
    parent: screenWindow,
    self: appWindow as unknown as Env['self'],
    base: `${APP}/board/`,
    now: () => clock.now,
    every: (_ms, fn) => {
      clock.ticks.push(fn);
      return () => clock.ticks.splice(clock.ticks.indexOf(fn), 1);
    },
    after: (ms, fn) => {
      const timer = { at: clock.now + ms, fn };
      clock.timers.push(timer);
      return () => clock.timers.splice(clock.timers.indexOf(timer), 1);
    },
  };
  return { broker, env, appWindow, screenWindow, frameWindow, calls, clock };
}

/** Lets messages cross the channel: a round trip through the broker proves earlier ones arrived. */
const roundTrip = (screen: Screen) => screen.user();

describe('connect', () => {
  it('fetches through the screen with fetch’s shape: status, headers, body as Response', async () => {
    const json = '{"items":[{"title":"Quarterly planning"}]}';
    const { env, calls } = setup({
      answers: [{ status: 200, headers: new Headers({ 'content-type': 'application/json' }), body: json }],
    });
    const screen = await open(env);
    const res = await screen.fetch(`${API}/rooms/4.12`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ items: [{ title: 'Quarterly planning' }] });
    expect(calls.requests[0]!.request).toMatchObject({ method: 'GET', headers: { accept: 'application/json' } });
  });

  it('sends a string or form body, and resolves relative URLs against the app’s page', async () => {
    const { env, calls } = setup();
    const screen = await open({ ...env, base: `${API}/app/` });
    await screen.fetch('bookings', { method: 'post', body: JSON.stringify({ at: '14:00' }) });
    await screen.fetch(`${API}/form`, { method: 'PUT', body: new URLSearchParams({ room: '4.12' }) });
    expect(calls.requests.map((r) => [r.request.method, r.request.url.href, r.request.body])).toEqual([
      ['POST', `${API}/app/bookings`, '{"at":"14:00"}'],
      ['PUT', `${API}/form`, 'room=4.12'],
    ]);
    expect(calls.requests[1]!.request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('rejects a refused request with an error that says why', async () => {
    const { env, calls } = setup();
    const screen = await open(env);
    const error = await screen.fetch('https://attacker.example/collect').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScreenError);
    expect((error as ScreenError).code).toBe('not_allowed_origin');
    expect((error as ScreenError).message).toMatch(/^not_allowed_origin: .*https:\/\/attacker\.example/);
    const header = await screen.fetch(`${API}/x`, { headers: { Authorization: 'Bearer mine' } }).catch((e) => e);
    expect((header as ScreenError).code).toBe('not_allowed_header');
    expect(calls.requests).toEqual([]);
  });

  it('gives a null body for HEAD and 204, as fetch does', async () => {
    const { env } = setup({
      answers: [
        { status: 200, headers: new Headers(), body: '' },
        { status: 204, headers: new Headers(), body: '' },
      ],
    });
    const screen = await open(env);
    expect((await screen.fetch(`${API}/x`, { method: 'HEAD' })).body).toBeNull();
    expect((await screen.fetch(`${API}/x`, { method: 'DELETE' })).status).toBe(204);
  });

  it('aborts with the signal’s reason, and the screen stops the request', async () => {
    const { env, calls } = setup({ answers: ['hang'] });
    const screen = await open(env);
    const controller = new AbortController();
    const pending = screen.fetch(`${API}/slow`, { signal: controller.signal }).catch((e: unknown) => e);
    await roundTrip(screen);
    controller.abort(new Error('gave up'));
    expect(((await pending) as Error).message).toBe('gave up');
    expect(calls.requests[0]!.signal.aborted).toBe(true);
  });

  it('gives up on an answer that never comes (the channel was taken over) with timeout, and only then', async () => {
    const { env, broker, clock, frameWindow } = setup({ user: 'Ada' });
    const screen = await open(env);
    // An answered call leaves no timer behind.
    await screen.user();
    expect(clock.timers).toEqual([]);
    // Another hello from the frame takes the channel: this connection's messages now go nowhere.
    const hello = { type: 'screen-signin', v: 1, op: 'hello' };
    expect(broker.receive({ data: hello, origin: APP, source: frameWindow }, frameWindow)).toBe(true);
    let settled = false;
    const pending = screen.fetch(`${API}/x`).catch((e: unknown) => e);
    void pending.then(() => (settled = true));
    const fire = () => clock.timers.filter((t) => t.at <= clock.now).forEach((t) => t.fn());
    clock.now += ANSWER_TIMEOUT_MS - 1;
    fire();
    // Let everything queued run (as src/core/test-clock.ts's flush does), then look.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    clock.now += 1;
    fire();
    expect(((await pending) as ScreenError).code).toBe('timeout');
  });

  it('says who is signed in: the display name, or nothing', async () => {
    expect(await (await open(setup({ user: 'Ada Lovelace' }).env)).user()).toEqual({ name: 'Ada Lovelace' });
    expect(await (await open(setup().env)).user()).toEqual({});
  });

  it('hears the idle warning and the sign-out; after it every call rejects signed_out', async () => {
    const { env, broker, calls, appWindow } = setup({ answers: ['hang'] });
    const screen = await open(env);
    const heard: unknown[] = [];
    screen.on('signing-out', (detail) => heard.push(['signing-out', detail]));
    const off = screen.on('signing-out-cancelled', () => heard.push(['cancelled']));
    screen.on('signed-out', () => heard.push(['signed-out']));
    const pending = screen.fetch(`${API}/slow`).catch((e: unknown) => e);
    await roundTrip(screen);
    broker.signingOut(1_700_000_030_000);
    broker.signingOut(undefined);
    await roundTrip(screen);
    off();
    broker.signingOut(1_700_000_060_000);
    broker.signingOut(undefined);
    broker.close();
    expect(((await pending) as ScreenError).code).toBe('signed_out');
    expect(heard).toEqual([
      ['signing-out', { at: 1_700_000_030_000 }],
      ['cancelled'],
      ['signing-out', { at: 1_700_000_060_000 }],
      ['signed-out'],
    ]);
    expect(((await screen.fetch(`${API}/x`).catch((e: unknown) => e)) as ScreenError).code).toBe('signed_out');
    expect(calls.requests[0]!.signal.aborted).toBe(true);
    expect(appWindow.count('keydown')).toBe(0);
  });

  it('ignores a welcome from another origin or window, and gives up after the timeout', async () => {
    const { env, appWindow, clock } = setup();
    const fake = { ...env, parent: { postMessage: () => undefined } };
    const result = open(fake, 5_000).catch((e: unknown) => e);
    const { port1, port2 } = new MessageChannel();
    opened.push(port1, port2);
    const welcome = { type: 'screen-signin', v: 1, op: 'welcome', versions: [1] };
    appWindow.dispatch('message', {
      data: welcome,
      origin: 'https://evil.example',
      source: fake.parent,
      ports: [port2],
    });
    appWindow.dispatch('message', { data: welcome, origin: SCREEN, source: {}, ports: [port2] });
    clock.now = 5_000;
    clock.ticks.forEach((tick) => tick());
    expect(((await result) as ScreenError).code).toBe('not_connected');
  });
});

describe('remote keys inside the app', () => {
  const key = (key: string, extra: Partial<KeyboardEvent> = {}) => {
    const event = { key, keyCode: 0, defaultPrevented: false, target: null, ...extra, preventDefault() {} };
    return event as unknown as KeyboardEvent;
  };

  it('hands an unused Back to the screen, but not one the app used or a Backspace in a text field', async () => {
    const { env, appWindow, calls } = setup();
    const screen = await open(env);
    appWindow.dispatch('keydown', key('Escape'));
    appWindow.dispatch('keydown', key('GoBack', { defaultPrevented: true }));
    appWindow.dispatch('keydown', key('Backspace', { target: { tagName: 'INPUT' } as unknown as EventTarget }));
    appWindow.dispatch('keydown', key('Unidentified', { keyCode: 461 }));
    await roundTrip(screen);
    expect(calls.back).toBe(2);
  });

  it('reports use at most once a second, so typing does not flood the screen', async () => {
    const { env, appWindow, calls, clock } = setup();
    const screen = await open(env);
    for (let i = 0; i < 20; i++) appWindow.dispatch('keydown', key('a'));
    appWindow.dispatch('pointerdown', {});
    clock.now += 1_000;
    appWindow.dispatch('pointerdown', {});
    await roundTrip(screen);
    expect(calls.activity).toBe(2);
  });

  it('knows Back in every spelling the screen’s own remote handling knows', () => {
    const spellings = ['Escape', 'Esc', 'Backspace', 'GoBack', 'BrowserBack', 'XF86Back', 'ArrowUp', 'Enter', 'a'];
    for (const name of spellings) expect(isBack(key(name)), name).toBe(remoteAction(key(name)) === 'back');
    for (const keyCode of [27, 8, 461, 10009, 13, 37, 65])
      expect(isBack(key('Unidentified', { keyCode })), String(keyCode)).toBe(
        remoteAction(key('Unidentified', { keyCode })) === 'back',
      );
  });
});
