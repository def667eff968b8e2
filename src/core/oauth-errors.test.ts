import { describe, expect, it } from 'vitest';
import { AppError } from './errors';
import { oauthFailure } from '../testing/fake-idp';
import { toAppError } from './oauth-errors';

describe('toAppError', () => {
  const token = { endpoint: 'token', client_id: 'screen-signin' } as const;
  const device = { endpoint: 'device_authorization', client_id: 'screen-signin' } as const;

  it('maps invalid_client with the client_id to name, from a 401', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_client' }, 401), token);
    expect(e.code).toBe('invalid_client');
    expect(e.facts).toMatchObject({ client_id: 'screen-signin', status: 401, oauth_error: 'invalid_client' });
  });

  it('maps unauthorized_client, naming the endpoint in the details', async () => {
    const e = toAppError(await oauthFailure({ error: 'unauthorized_client' }), device);
    expect(e.code).toBe('unauthorized_client');
    expect(e.facts).toMatchObject({ endpoint: 'device_authorization', client_id: 'screen-signin' });
    expect(e.details).toBe('device authorization endpoint answered unauthorized_client');
  });

  it('keeps the refused scopes as a fact for invalid_scope', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_scope' }), { ...device, scope: 'openid tv:watch' });
    expect(e.code).toBe('invalid_scope');
    expect(e.facts).toMatchObject({ scope: 'openid tv:watch', client_id: 'screen-signin' });
  });

  it('maps access_denied, which is final', async () => {
    const e = toAppError(await oauthFailure({ error: 'access_denied' }), token);
    expect(e.code).toBe('access_denied');
    expect(e.transient).toBe(false);
  });

  it('maps invalid_grant', async () => {
    const e = toAppError(await oauthFailure({ error: 'invalid_grant' }), token);
    expect(e.code).toBe('invalid_grant');
    expect(e.transient).toBe(false);
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
    expect(JSON.stringify(e.facts).length).toBeLessThan(300);
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
    expect(e.reason).toBeUndefined();
    expect(e.facts.oauth_error!.length).toBeLessThanOrEqual(60);
    expect(e.details!.length).toBeLessThanOrEqual(300);
  });

  it('returns an AppError unchanged', () => {
    const original = new AppError('cors');
    expect(toAppError(original, token)).toBe(original);
  });

  it('keeps the original error as the cause', async () => {
    const raw = await oauthFailure({ error: 'access_denied' });
    expect(toAppError(raw, token).cause).toBe(raw);
  });
});
