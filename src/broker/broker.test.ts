/**
 * The broker over node's real MessageChannel: the frame's window is a fake that records what the
 * screen posts to it, the session behind the broker a fake host. Time is a plain number.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Broker, type ApiAnswer, type ApiRequest, type BrokerHost, type BrokerOptions, type Limits } from './broker';
import type { Reply } from './protocol';

const APP = 'https://rooms.example';
const API = 'https://api.example';

interface Posted {
  message: unknown;
  targetOrigin: string;
  transfer: Transferable[];
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function fakeFrame() {
  const posted: Posted[] = [];
  return {
    posted,
    postMessage(message: unknown, targetOrigin: string, transfer: Transferable[]) {
      posted.push({ message, targetOrigin, transfer });
      for (const port of transfer) ports.push(port as MessagePort);
    },
  };
}

type Answer = ApiAnswer | Error | 'hang';

function setup(options: Partial<BrokerOptions> = {}, limits: Partial<Limits> = {}) {
  const state = { now: 0, activity: 0, back: 0, user: 'Ada Lovelace' as string | undefined };
  const requests: { request: ApiRequest; signal: AbortSignal }[] = [];
  const answers: Answer[] = [];
  const host: BrokerHost = {
    fetch(request, signal) {
      requests.push({ request, signal });
      const answer = answers.shift() ?? { status: 200, headers: new Headers(), body: '' };
      if (answer === 'hang')
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    user: () => state.user,
    activity: () => void state.activity++,
    back: () => void state.back++,
    now: () => state.now,
  };
  const broker = new Broker({ appOrigin: APP, apis: [API], host, limits, ...options });
  const frame = fakeFrame();
  return { broker, frame, state, requests, answers };
}

const hello = { type: 'screen-signin', v: 1, op: 'hello' };

/** The app's end of the channel, after a successful hello. */
function connect(broker: Broker, frame: ReturnType<typeof fakeFrame>) {
  expect(broker.receive({ data: hello, origin: APP, source: frame }, frame)).toBe(true);
  const port = frame.posted.at(-1)!.transfer[0] as MessagePort;
  const inbox: unknown[] = [];
  const waiters: (() => void)[] = [];
  port.onmessage = (e: MessageEvent) => {
    inbox.push(e.data);
    waiters.splice(0).forEach((w) => w());
  };
  /** Resolves once `count` messages have arrived. */
  const received = async (count: number): Promise<unknown[]> => {
    while (inbox.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return inbox.slice(0, count);
  };
  const ask = async (message: unknown): Promise<Reply> => {
    const before = inbox.length;
    port.postMessage(message);
    return (await received(before + 1))[before] as Reply;
  };
  return { port, inbox, received, ask };
}

const fetchMessage = (extra: Record<string, unknown> = {}) => ({
  v: 1,
  id: 1,
  op: 'fetch',
  method: 'GET',
  url: `${API}/rooms/4.12`,
  ...extra,
});

describe('handshake', () => {
  it('answers a hello from the frame on the app origin with a welcome and one port, sent to that origin only', () => {
    const { broker, frame } = setup();
    expect(broker.receive({ data: hello, origin: APP, source: frame }, frame)).toBe(true);
    expect(frame.posted).toHaveLength(1);
    const [welcome] = frame.posted;
    expect(welcome!.message).toEqual({ type: 'screen-signin', v: 1, op: 'welcome', versions: [1] });
    expect(welcome!.targetOrigin).toBe(APP);
    expect(welcome!.transfer).toHaveLength(1);
  });

  it.each([
    ['another window on the app origin', { origin: APP, source: {} }],
    ['the frame after it navigated to another origin', { origin: 'https://evil.example' }],
    ['the screen itself', { origin: 'https://screens.example', source: 'screen' }],
  ])('ignores a hello from %s', (_what, event) => {
    const { broker, frame } = setup();
    const source = 'source' in event ? event.source : frame;
    expect(broker.receive({ data: hello, origin: event.origin, source }, frame)).toBe(false);
    expect(frame.posted).toEqual([]);
  });

  it('ignores other postMessage traffic from the frame, and everything once closed', () => {
    const { broker, frame } = setup();
    for (const data of ['hello', null, { type: 'other', op: 'hello' }, { type: 'screen-signin', op: 'fetch' }])
      expect(broker.receive({ data, origin: APP, source: frame }, frame)).toBe(false);
    broker.close();
    expect(broker.receive({ data: hello, origin: APP, source: frame }, frame)).toBe(false);
    expect(frame.posted).toEqual([]);
  });

  it('replaces the port on a second hello (the app reloaded): the old one is closed', async () => {
    const { broker, frame } = setup();
    const first = connect(broker, frame);
    const closed = new Promise<void>((resolve) => first.port.addEventListener('close', () => resolve()));
    const second = connect(broker, frame);
    await closed;
    expect(await second.ask({ v: 1, id: 'u', op: 'user' })).toEqual({ v: 1, id: 'u', ok: true, name: 'Ada Lovelace' });
  });
});

describe('fetch', () => {
  it('sends an allowed request through the host and answers with the status, the safe headers and the body', async () => {
    const { broker, frame, requests, answers } = setup();
    const app = connect(broker, frame);
    answers.push({
      status: 201,
      headers: new Headers({
        'content-type': 'application/json',
        etag: '"7"',
        'www-authenticate': 'DPoP error="invalid_token"',
        'dpop-nonce': 'n-1',
        'set-cookie': 'sid=1',
        authorization: 'DPoP AT',
      }),
      body: '{"id":7}',
    });
    const reply = await app.ask(
      fetchMessage({
        method: 'post',
        headers: { 'Content-Type': 'application/json', accept: 'application/json' },
        body: '{"from":"14:00"}',
      }),
    );
    expect(reply).toEqual({
      v: 1,
      id: 1,
      ok: true,
      status: 201,
      headers: { 'content-type': 'application/json', etag: '"7"' },
      body: '{"id":7}',
    });
    expect(requests).toHaveLength(1);
    const { request } = requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url.href).toBe(`${API}/rooms/4.12`);
    expect(request.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(request.body).toBe('{"from":"14:00"}');
  });

  it('refuses a URL outside app_apis, naming the origin and what is allowed, without calling the API', async () => {
    const { broker, frame, requests } = setup();
    const app = connect(broker, frame);
    const reply = await app.ask(fetchMessage({ url: 'https://attacker.example/collect' }));
    expect(reply).toMatchObject({ id: 1, ok: false, error: { code: 'not_allowed_origin' } });
    expect(reply.ok === false && reply.error.message).toContain(
      'https://attacker.example (allowed: https://api.example)',
    );
    // Same host, other scheme or port: another origin.
    for (const url of ['http://api.example/x', 'https://api.example:8443/x'])
      expect(await app.ask(fetchMessage({ url }))).toMatchObject({ error: { code: 'not_allowed_origin' } });
    expect(requests).toEqual([]);
  });

  it('refuses every fetch when app_apis is empty', async () => {
    const { broker, frame, requests } = setup({ apis: [] });
    const reply = await connect(broker, frame).ask(fetchMessage());
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_allowed_origin' } });
    expect(reply.ok === false && reply.error.message).toContain('allowed: none');
    expect(requests).toEqual([]);
  });

  it.each(['Authorization', 'DPoP', 'Cookie', 'X-Api-Key', 'Origin'])('refuses the request header %s', async (name) => {
    const { broker, frame, requests } = setup();
    const reply = await connect(broker, frame).ask(fetchMessage({ headers: { accept: '*/*', [name]: 'x' } }));
    expect(reply).toMatchObject({ ok: false, error: { code: 'not_allowed_header' } });
    expect(reply.ok === false && reply.error.message).toContain(name);
    expect(requests).toEqual([]);
  });

  it.each([
    ['a method outside the list', { method: 'TRACE' }, 'not_allowed_method'],
    ['a body that is not a string', { method: 'POST', body: { a: 1 } }, 'bad_request'],
    ['a GET with a body', { body: 'x' }, 'bad_request'],
    ['a relative URL', { url: '/rooms' }, 'bad_request'],
    ['a header value with a line break', { headers: { accept: 'a\r\nAuthorization: x' } }, 'bad_request'],
    ['headers as an array', { headers: [['accept', 'x']] }, 'bad_request'],
    ['a body over the cap', { method: 'PUT', body: 'é'.repeat(600) }, 'too_large'],
    ['a URL over the cap', { url: `${API}/${'x'.repeat(2_000)}` }, 'too_large'],
  ])('refuses %s', async (_what, extra, code) => {
    const { broker, frame, requests } = setup({}, { bodyBytes: 1_000, urlChars: 1_000 });
    expect(await connect(broker, frame).ask(fetchMessage(extra))).toMatchObject({ id: 1, ok: false, error: { code } });
    expect(requests).toEqual([]);
  });

  it('lets a body up to the cap through, counted in UTF-8 bytes', async () => {
    const { broker, frame, requests } = setup({}, { bodyBytes: 1_000 });
    const reply = await connect(broker, frame).ask(fetchMessage({ method: 'PUT', body: 'é'.repeat(500) }));
    expect(reply.ok).toBe(true);
    expect(requests[0]!.request.body).toHaveLength(500);
  });

  it.each([
    ['session_ended', 'signed_out'],
    ['invalid_grant', 'signed_out'],
    ['cors', 'network'],
    ['network', 'network'],
    ['timeout', 'timeout'],
    ['http', 'http'],
    ['bad_response', 'bad_response'],
  ])('answers a %s failure of the screen as %s, with no detail of it', async (core, code) => {
    const { broker, frame, answers } = setup();
    answers.push(Object.assign(new Error('Bearer AT-secret at https://api.example/x'), { code: core }));
    const reply = await connect(broker, frame).ask(fetchMessage());
    expect(reply).toMatchObject({ ok: false, error: { code } });
    expect(JSON.stringify(reply)).not.toContain('AT-secret');
  });

  it('answers a redirect (an opaque status 0) as an http error: the screen follows none', async () => {
    const { broker, frame, answers } = setup();
    answers.push({ status: 0, headers: new Headers(), body: '' });
    expect(await connect(broker, frame).ask(fetchMessage())).toMatchObject({ ok: false, error: { code: 'http' } });
  });

  it('aborts a fetch the app gives up on, and refuses too many at once', async () => {
    const { broker, frame, answers, requests } = setup({}, { inFlight: 2 });
    answers.push('hang', 'hang');
    const app = connect(broker, frame);
    app.port.postMessage(fetchMessage({ id: 'a' }));
    app.port.postMessage(fetchMessage({ id: 'b' }));
    expect(await app.ask(fetchMessage({ id: 'c' }))).toMatchObject({ id: 'c', error: { code: 'rate_limited' } });
    expect(await app.ask({ v: 1, id: 'a', op: 'abort' })).toMatchObject({ id: 'a', error: { code: 'aborted' } });
    expect(requests.map((r) => r.signal.aborted)).toEqual([true, false]);
  });
});

describe('messages that are not requests', () => {
  it('answers malformed messages with bad_request, with the id when there is one', async () => {
    const { broker, frame } = setup();
    const app = connect(broker, frame);
    expect(await app.ask('fetch')).toMatchObject({ id: null, ok: false, error: { code: 'bad_request' } });
    expect(await app.ask({ v: 1, op: 'fetch' })).toMatchObject({ id: null, error: { code: 'bad_request' } });
    expect(await app.ask({ v: 1, id: 9, op: 'token' })).toMatchObject({ id: 9, error: { code: 'bad_request' } });
  });

  it('answers an unknown version with the versions it speaks, and keeps serving v1', async () => {
    const { broker, frame } = setup();
    const app = connect(broker, frame);
    expect(await app.ask({ v: 2, id: 1, op: 'user' })).toEqual({
      v: 1,
      id: 1,
      ok: false,
      error: { code: 'unsupported_version', message: expect.stringContaining('version 1'), versions: [1] },
    });
    expect(await app.ask({ v: 1, id: 2, op: 'user' })).toMatchObject({ id: 2, ok: true });
  });

  it('gives the display name only, and no name when the screen shows none', async () => {
    const { broker, frame, state } = setup();
    const app = connect(broker, frame);
    expect(await app.ask({ v: 1, id: 1, op: 'user' })).toEqual({ v: 1, id: 1, ok: true, name: 'Ada Lovelace' });
    state.user = undefined;
    expect(await app.ask({ v: 1, id: 2, op: 'user' })).toEqual({ v: 1, id: 2, ok: true });
  });

  it('passes activity and an unused Back key to the screen', async () => {
    const { broker, frame, state } = setup();
    const app = connect(broker, frame);
    app.port.postMessage({ v: 1, op: 'activity' });
    app.port.postMessage({ v: 1, op: 'key', key: 'back' });
    await app.ask({ v: 1, id: 1, op: 'user' });
    expect(state).toMatchObject({ activity: 1, back: 1 });
  });

  it('answers a flood cheaply: the burst is served, the rest rate_limited, and the bucket refills with time', async () => {
    const { broker, frame, state } = setup({}, { burst: 50, perSecond: 25 });
    const app = connect(broker, frame);
    for (let i = 0; i < 1_000; i++) app.port.postMessage({ v: 1, id: i, op: 'junk' });
    const replies = (await app.received(1_000)) as Reply[];
    const codes = replies.map((r) => (r.ok ? 'ok' : r.error.code));
    // The hello took one token from the burst.
    expect(codes.filter((c) => c === 'bad_request')).toHaveLength(49);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(951);
    expect(await app.ask({ v: 1, id: 'u', op: 'user' })).toMatchObject({ error: { code: 'rate_limited' } });
    state.now += 1_000;
    expect(await app.ask({ v: 1, id: 'u', op: 'user' })).toMatchObject({ ok: true });
  });
});

describe('events from the screen', () => {
  it('tells the app about the idle warning, its end, and the sign-out, then closes the port', async () => {
    const { broker, frame, answers, requests } = setup();
    const app = connect(broker, frame);
    answers.push('hang');
    app.port.postMessage(fetchMessage());
    await app.ask({ v: 1, id: 'sync', op: 'user' });
    const closed = new Promise<void>((resolve) => app.port.addEventListener('close', () => resolve()));
    broker.signingOut(1_700_000_030_000);
    broker.signingOut(undefined);
    broker.signingOut(undefined);
    broker.close();
    await closed;
    expect(app.inbox.slice(1)).toEqual([
      { v: 1, event: 'signing-out', at: 1_700_000_030_000 },
      { v: 1, event: 'signing-out-cancelled' },
      { v: 1, event: 'signed-out' },
    ]);
    expect(requests[0]!.signal.aborted).toBe(true);
  });

  it('repeats a running idle warning to an app that reconnects', async () => {
    const { broker, frame } = setup();
    broker.signingOut(1_700_000_030_000);
    const app = connect(broker, frame);
    expect(await app.received(1)).toEqual([{ v: 1, event: 'signing-out', at: 1_700_000_030_000 }]);
  });
});
