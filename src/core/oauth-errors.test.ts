import { processRefreshTokenResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import { as, client } from '../testing/fake-idp';
import { toAppError } from './oauth-errors';

describe('toAppError', () => {
  const token = { endpoint: 'token', client_id: 'screen-signin' } as const;
  const device = { endpoint: 'device_authorization', client_id: 'screen-signin' } as const;

  /** The error oauth4webapi throws for an OAuth error answer from the token endpoint. */
  async function oauthFailure(body: Record<string, unknown>, status = 400): Promise<unknown> {
    const res = new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    return processRefreshTokenResponse(as, client, res).then(
      () => {
        throw new Error('expected oauth4webapi to throw');
      },
      (e: unknown) => e,
    );
  }

  it('says to register a public client with the device grant for invalid_client', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_client' }, 401), token);
    expect(e.code).toBe('invalid_client');
    expect(e.message).toContain('"screen-signin"');
    expect(e.message).toMatch(/public client/);
    expect(e.message).toMatch(/device authorization grant/);
  });

  it('says to enable the device grant for unauthorized_client', async () => {
    const e = toAppError(await oauthFailure({ error: 'unauthorized_client' }), device);
    expect(e.code).toBe('unauthorized_client');
    expect(e.message).toMatch(/Enable the device code grant/);
    expect(e.details).toBe('device authorization endpoint answered unauthorized_client');
  });

  it('names the refused scopes for invalid_scope', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_scope' }), { ...device, scope: 'openid tv:watch' });
    expect(e.code).toBe('invalid_scope');
    expect(e.message).toContain('"openid tv:watch"');
    expect(e.message).toMatch(/scope setting/);
  });

  it('says the phone declined for access_denied', async () => {
    const e = toAppError(await oauthFailure({ error: 'access_denied' }), token);
    expect(e.code).toBe('access_denied');
    expect(e.message).toMatch(/declined/);
    expect(e.transient).toBe(false);
  });

  it('says the sign-in is no longer valid for invalid_grant', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_grant' }), token);
    expect(e.code).toBe('invalid_grant');
    expect(e.message).toMatch(/revoked or has expired/);
  });

  it('maps an unknown OAuth error to oauth, keeping its name in the details', async () => {
    const e = toAppError(await oauthFailure({ error: 'temporarily_unavailable' }), token);
    expect(e.code).toBe('oauth');
    expect(e.details).toContain('temporarily_unavailable');
  });

  it('clips a 10 000-character error_description', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_grant', error_description: 'x'.repeat(10_000) }), token);
    expect(e.details!.length).toBeLessThan(300);
    expect(e.details).toMatch(/x…$/);
    expect(e.message.length).toBeLessThan(300);
  });

  it('names the IdP and the endpoint in the details when given the address', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_scope' }), {
      ...device,
      scope: 'openid',
      url: 'https://idp.example/device?x=1',
    });
    expect(e.details).toBe('device authorization endpoint https://idp.example/device answered invalid_scope');
  });

  it('shows a hostile error and error_description as clipped text in the details, never more', async () => {
    const e = toAppError(
      await oauthFailure({
        error: '<img src=x onerror=alert(1)>'.repeat(5),
        error_description: '<script>alert(1)</script>'.repeat(400),
      }),
      token,
    );
    expect(e.code).toBe('oauth');
    expect(e.message).toBe('The identity provider refused the request.');
    expect(e.details!.length).toBeLessThanOrEqual(300);
  });

  it('returns an AppError unchanged', () => {
    const original = new AppError('cors', 'blocked');
    expect(toAppError(original, token)).toBe(original);
  });

  it('keeps the original error as the cause', async () => {
    const raw = await oauthFailure({ error: 'access_denied' });
    expect(toAppError(raw, token).cause).toBe(raw);
  });
});
