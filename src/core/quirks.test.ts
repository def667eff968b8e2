import { describe, expect, it } from 'vitest';
import { normaliseDeviceAuthorization, normaliseToken, normaliseTokenStatus } from './quirks';

describe('normaliseDeviceAuthorization', () => {
  it('renames verification_url to verification_uri (Google, older Microsoft)', () => {
    const out = normaliseDeviceAuthorization({ verification_url: 'https://www.google.com/device', user_code: 'ABCD' });
    expect(out.verification_uri).toBe('https://www.google.com/device');
  });

  it('renames verification_url_complete to verification_uri_complete', () => {
    const out = normaliseDeviceAuthorization({
      verification_url: 'https://a.example/d',
      verification_url_complete: 'https://a.example/d?c=X',
    });
    expect(out.verification_uri_complete).toBe('https://a.example/d?c=X');
  });

  it('keeps an RFC verification_uri when both spellings are present', () => {
    const out = normaliseDeviceAuthorization({
      verification_uri: 'https://rfc.example/d',
      verification_url: 'https://draft.example/d',
    });
    expect(out.verification_uri).toBe('https://rfc.example/d');
  });

  it('turns a numeric-string interval into a number (oauth4webapi refuses a string interval)', () => {
    expect(normaliseDeviceAuthorization({ interval: ' 5 ' }).interval).toBe(5);
  });

  it('leaves a string expires_in to oauth4webapi, which parses it itself', () => {
    expect(normaliseDeviceAuthorization({ expires_in: '1800' }).expires_in).toBe('1800');
  });

  it('leaves non-numeric strings for the parser to refuse', () => {
    expect(normaliseDeviceAuthorization({ interval: '' }).interval).toBe('');
    expect(normaliseDeviceAuthorization({ interval: 'soon' }).interval).toBe('soon');
  });

  it('does not change the object it was given', () => {
    const input = { verification_url: 'https://a.example/d', interval: '10' };
    normaliseDeviceAuthorization(input);
    expect(input).toEqual({ verification_url: 'https://a.example/d', interval: '10' });
  });
});

describe('normaliseTokenStatus', () => {
  it('turns a 200 that carries an error into a 400 (GitHub)', () => {
    expect(normaliseTokenStatus(200, { error: 'authorization_pending' })).toBe(400);
    expect(normaliseTokenStatus(200, { error: 'access_denied' })).toBe(400);
  });

  it.each([401, 428])('turns authorization_pending and slow_down sent as %i into 400', (status) => {
    expect(normaliseTokenStatus(status, { error: 'authorization_pending' })).toBe(400);
    expect(normaliseTokenStatus(status, { error: 'slow_down' })).toBe(400);
  });

  it('keeps the 4xx of other errors', () => {
    expect(normaliseTokenStatus(401, { error: 'invalid_client' })).toBe(401);
    expect(normaliseTokenStatus(403, { error: 'access_denied' })).toBe(403);
    expect(normaliseTokenStatus(400, { error: 'expired_token' })).toBe(400);
  });

  it('leaves a body without an error alone', () => {
    expect(normaliseTokenStatus(200, { access_token: 'x' })).toBe(200);
    expect(normaliseTokenStatus(401, {})).toBe(401);
  });
});

describe('normaliseToken', () => {
  it('turns the numeric-string interval of a slow_down into a number (GitHub)', () => {
    expect(normaliseToken({ error: 'slow_down', interval: '10' }).interval).toBe(10);
  });
});

describe("Microsoft's extra fields", () => {
  it('passes message, error_codes, trace_id and correlation_id through untouched for the parser to ignore', () => {
    const body = {
      user_code: 'ABCD',
      message: 'To sign in, use a web browser…',
      error_codes: [70016],
      trace_id: 't',
      correlation_id: 'c',
    };
    expect(normaliseDeviceAuthorization(body)).toMatchObject(body);
    expect(normaliseTokenStatus(400, { error: 'authorization_pending', error_codes: [70016] })).toBe(400);
  });
});
