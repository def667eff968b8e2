import { describe, expect, it } from 'vitest';
import { corsBlocked, fakeIdp, networkDown, rejection as appError, sendThroughDoor } from '../testing/fake-idp';
import { isPrivateHost } from './diagnosis';

const TOKEN = 'https://idp.example/token';

const send = (idp: ReturnType<typeof fakeIdp>, url = TOKEN) => sendThroughDoor(idp, url);

describe('diagnose: what a bare TypeError from fetch meant', () => {
  it('reports CORS, naming the app origin and client id, when a no-cors probe gets through', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, corsBlocked);
    const error = await appError(send(idp));
    expect(error.code).toBe('cors');
    expect(error.facts).toEqual({
      endpoint: 'token',
      origin: 'https://idp.example',
      app_origin: 'http://127.0.0.1:4000',
      client_id: 'screen-signin',
    });
    expect(error.details).toContain('token endpoint https://idp.example/token');
    const probe = idp.requests[1]!;
    expect(probe.probe).toBe(true);
    expect(probe.url).toBe(TOKEN);
  });

  it('reports a network problem when the no-cors probe fails too', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, networkDown);
    const error = await appError(send(idp));
    expect(error.code).toBe('network');
    expect(error.transient).toBe(true);
    expect(error.reason).toBe('offline');
    expect(error.facts.origin).toBe('https://idp.example');
    expect(idp.requests.map((r) => r.probe)).toEqual([false, true]);
  });

  it('names Local Network Access when a screen served from a public address cannot reach a private IdP', async () => {
    const idp = fakeIdp();
    idp.net = { ...idp.net, appOrigin: 'https://screens.example.com' };
    const local = 'https://192.168.1.20/token';
    idp.queue(local, networkDown);
    const error = await appError(send(idp, local));
    expect(error.code).toBe('network');
    expect(error.reason).toBe('lna');
    expect(error.facts).toMatchObject({ origin: 'https://192.168.1.20', app_origin: 'https://screens.example.com' });
    // The same failure from a screen on the local network is a plain network problem.
    const lan = fakeIdp();
    lan.queue(local, networkDown);
    expect((await appError(send(lan, local))).reason).toBe('offline');
  });

  it('retries a CORS diagnosis by itself: a dropped connection to a reachable server looks the same', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, corsBlocked);
    const error = await appError(send(idp));
    expect(error.code).toBe('cors');
    expect(error.transient).toBe(true);
  });
});

describe('isPrivateHost', () => {
  it('knows loopback, RFC 1918, link-local, unique-local and .local names', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.9.9',
      '192.168.0.10',
      '169.254.1.1',
      '[::1]',
      '[fd12::1]',
      'tv.local',
    ]) {
      expect(isPrivateHost(host), host).toBe(true);
    }
    for (const host of ['idp.example.com', '8.8.8.8', '172.32.0.1', '[2001:db8::1]', '11.0.0.1']) {
      expect(isPrivateHost(host), host).toBe(false);
    }
  });
});
