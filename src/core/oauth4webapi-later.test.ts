import * as now from 'oauth4webapi';
import * as later from 'oauth4webapi/later';
import { describe, expect, it } from 'vitest';
import { laterSource } from '../../build/oauth4webapi-later.ts';

/** build/oauth4webapi-later.ts: the copy of oauth4webapi for the modules loaded after the code. */
describe('oauth4webapi/later', () => {
  it('is a module of its own, so the boot path does not carry it', () => {
    expect(later.processRevocationResponse).not.toBe(now.processRevocationResponse);
  });

  it('shares the option symbols: options made with one are read by the other', () => {
    for (const name of [
      'allowInsecureRequests',
      'customFetch',
      'clockSkew',
      'clockTolerance',
      'skipSubjectCheck',
    ] as const)
      expect(later[name], name).toBe(now[name]);
  });

  it('throws the error classes the boot path checks with instanceof', async () => {
    const answer = new Response(JSON.stringify({ error: 'invalid_request' }), {
      status: 400,
      headers: { 'content-type': 'application/json' },
    });
    const err = await later.processRevocationResponse(answer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(now.ResponseBodyError);
    expect(later.OperationProcessingError).toBe(now.OperationProcessingError);
  });

  it('refuses a library whose declarations it does not recognise', () => {
    expect(() => laterSource('export const customFetch = Symbol.for("x");\nexport class ResponseBodyError {}')).toThrow(
      /not found/,
    );
  });
});
