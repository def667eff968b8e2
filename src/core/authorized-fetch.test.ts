/** The general authorized request the embedded app's calls go through (src/broker/). */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { authorizedFetch } from './api';
import { createDPoP } from './dpop';
import { as, client, fakeIdp, json, rejection, text, tokens } from '../testing/fake-idp';
import { Tokens } from './tokens';

const API = 'https://api.example/rooms/4.12/bookings';
const TOKEN = 'https://idp.example/token';

function setup() {
  const idp = fakeIdp();
  const held = new Tokens(
    { net: idp.net, as, client },
    { access_token: 'AT-1', token_type: 'bearer', expires_in: 3600, refresh_token: 'RT-1' },
  );
  return { idp, held };
}

describe('authorizedFetch', () => {
  it('sends the method, headers and body it is given, with the token, and returns the answer as text', async () => {
    const { idp, held } = setup();
    const bodies: unknown[] = [];
    idp.queue(API, (init) => {
      bodies.push(init.body);
      return new Response('{"id":7}', { status: 201, headers: { 'content-type': 'application/json', etag: '"v7"' } });
    });
    const res = await authorizedFetch(idp.net, held, new URL(API), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"from":"14:00"}',
    });
    expect(res).toMatchObject({ status: 201, body: '{"id":7}', challenge: undefined });
    expect(res.headers.get('etag')).toBe('"v7"');
    const [req] = idp.to(API);
    expect(req!.method).toBe('POST');
    expect(req!.headers.get('authorization')).toBe('Bearer AT-1');
    expect(req!.headers.get('content-type')).toBe('application/json');
    expect(bodies).toEqual(['{"from":"14:00"}']);
  });

  it('returns a 4xx as an answer, not an error, so the caller sees the status', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('no such room', 404));
    const res = await authorizedFetch(idp.net, held, new URL(API), { method: 'GET' });
    expect(res.status).toBe(404);
    expect(res.body).toBe('no such room');
    expect(idp.to(TOKEN)).toHaveLength(0);
  });

  it('refreshes once on 401 and sends the same request again, body included', async () => {
    const { idp, held } = setup();
    const bodies: unknown[] = [];
    const record = (res: Response) => (init: RequestInit) => {
      bodies.push(init.body);
      return res;
    };
    idp.queue(
      API,
      record(new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })),
      record(new Response('ok', { status: 200 })),
    );
    idp.queue(TOKEN, tokens({ access_token: 'AT-2' }));
    const res = await authorizedFetch(idp.net, held, new URL(API), { method: 'PUT', body: 'x=1' });
    expect(res.status).toBe(200);
    expect(idp.to(API).map((r) => [r.method, r.headers.get('authorization')])).toEqual([
      ['PUT', 'Bearer AT-1'],
      ['PUT', 'Bearer AT-2'],
    ]);
    expect(bodies).toEqual(['x=1', 'x=1']);
  });

  it('hands back a second 401 with its challenge instead of refreshing again', async () => {
    const { idp, held } = setup();
    idp.always(API, text('expired', 401, { 'www-authenticate': 'Bearer error="invalid_token"' }));
    idp.always(TOKEN, tokens({ access_token: 'AT-2' }));
    const res = await authorizedFetch(idp.net, held, new URL(API), { method: 'GET' });
    expect(res).toMatchObject({ status: 401, body: 'expired', challenge: 'invalid_token' });
    expect(idp.to(API)).toHaveLength(2);
    expect(idp.to(TOKEN)).toHaveLength(1);
  });

  it('does not refresh on 403 insufficient_scope', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('', 403, { 'www-authenticate': 'Bearer error="insufficient_scope"' }));
    const res = await authorizedFetch(idp.net, held, new URL(API), { method: 'DELETE' });
    expect(res).toMatchObject({ status: 403, challenge: 'insufficient_scope' });
    expect(idp.to(TOKEN)).toHaveLength(0);
  });

  it('reads no body for HEAD, and refuses an answer over the size cap', async () => {
    const { idp, held } = setup();
    idp.queue(API, text('ignored'), text('x'.repeat(2_000)));
    expect((await authorizedFetch(idp.net, held, new URL(API), { method: 'HEAD' })).body).toBe('');
    const error = await rejection(authorizedFetch(idp.net, held, new URL(API), { method: 'GET' }, undefined, 1_000));
    expect(error.code).toBe('bad_response');
  });

  it('signs the DPoP proof for the method actually sent (RFC 9449 §4.2 htm)', async () => {
    const idp = fakeIdp();
    const dpopAs = { ...as, dpop_signing_alg_values_supported: ['ES256'] };
    const dpop = await createDPoP(dpopAs, client);
    const held = new Tokens(
      { net: idp.net, as: dpopAs, client, dpop },
      { access_token: 'AT-1', token_type: 'dpop', expires_in: 3600 },
    );
    idp.queue(API, json({ ok: true }));
    await authorizedFetch(idp.net, held, new URL(`${API}?day=today`), { method: 'PATCH', body: '{}' });
    const [req] = idp.to(`${API}?day=today`);
    expect(req!.headers.get('authorization')).toBe('DPoP AT-1');
    expect(decodeJwt(req!.headers.get('dpop')!)).toMatchObject({ htm: 'PATCH', htu: API });
  });
});
