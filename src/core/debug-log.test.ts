import { describe, expect, it } from 'vitest';
import { DEBUG_LOG_SIZE, describeConfig, emptyDebugLog, withMetadata, withNote, withRequest } from './debug-log';
import type { RequestRecord } from './transport';

const record = (n: number): RequestRecord => ({
  at: n,
  method: 'POST',
  endpoint: 'token',
  url: 'https://idp.example/token',
  status: 400,
  ms: 5,
});

describe('debug log', () => {
  it('keeps one note per code, the latest, however many codes repeat it', () => {
    let log = emptyDebugLog();
    log = withNote(log, { code: 'dpop_off', details: 'first' });
    log = withNote(log, { code: 'dpop_off', details: 'again' });
    expect(log.notes).toEqual([{ code: 'dpop_off', details: 'again' }]);
  });

  it('keeps the last 20 requests, newest first', () => {
    let log = emptyDebugLog();
    for (let n = 1; n <= 25; n++) log = withRequest(log, record(n));
    expect(log.requests).toHaveLength(DEBUG_LOG_SIZE);
    expect(log.requests[0]!.at).toBe(25);
    expect(log.requests.at(-1)!.at).toBe(6);
  });

  it('keeps only the endpoints from the metadata', () => {
    const log = withMetadata(emptyDebugLog(), {
      issuer: 'https://idp.example',
      token_endpoint: 'https://idp.example/token',
      jwks_uri: 'https://idp.example/jwks',
    });
    expect(log.metadata).toEqual({ issuer: 'https://idp.example', token_endpoint: 'https://idp.example/token' });
  });

  it('lists the config with URLs as text and unset keys left out', () => {
    expect(
      describeConfig({ issuer: new URL('https://idp.example/'), client_id: 'tv', api: undefined, dpop: true }),
    ).toEqual([
      ['issuer', 'https://idp.example/'],
      ['client_id', 'tv'],
      ['dpop', 'true'],
    ]);
  });
});
