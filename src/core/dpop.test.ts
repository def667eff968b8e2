import { decodeProtectedHeader } from 'jose';
import type { DPoPHandle } from 'oauth4webapi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DebugNote } from './debug-log';
import { createDPoP } from './dpop';
import type { FlowContext } from './device-flow';
import { pollForTokens } from './poll';
import { as, client, fakeIdp, run, tokens } from '../testing/fake-idp';

const TOKEN = 'https://idp.example/token';
const offering = (...algs: string[]) => ({ ...as, dpop_signing_alg_values_supported: algs });

/** One successful poll with this handle (or none); the DPoP header it carried. */
async function pollOnce(dpop: DPoPHandle | undefined): Promise<string | null> {
  const idp = fakeIdp();
  const ctx: FlowContext = { net: idp.net, as: offering('ES256'), client, config: { scope: 'openid' }, dpop };
  idp.queue(TOKEN, tokens());
  const code = {
    device_code: 'DC',
    user_code: 'ABCD',
    verification_uri: 'https://idp.example/activate',
    expires_at: idp.clock.now() + 60_000,
    received_at: idp.clock.now(),
    interval: 5_000,
  };
  await run(idp.clock, pollForTokens(ctx, code));
  return idp.to(TOKEN)[0]!.headers.get('dpop');
}

describe('createDPoP', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('falls back to Bearer with a note, instead of failing, where the page has no WebCrypto (http from a LAN address)', async () => {
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) });
    const notes: DebugNote[] = [];
    const dpop = await createDPoP(offering('ES256'), client, { onNote: (n) => notes.push(n) });
    expect(dpop).toBeUndefined();
    expect(notes).toEqual([{ code: 'dpop_off', details: expect.stringContaining('crypto.subtle') as string }]);

    // And the sign-in goes on with Bearer: the poll carries no proof.
    expect(await pollOnce(dpop)).toBeNull();
  });

  it("tries the next of the IdP's algorithms when this engine cannot make keys for one (no Ed25519)", async () => {
    const real = crypto.subtle.generateKey.bind(crypto.subtle) as (
      algorithm: AlgorithmIdentifier,
      extractable: boolean,
      usages: KeyUsage[],
    ) => Promise<CryptoKeyPair>;
    const name = (algorithm: AlgorithmIdentifier) => (typeof algorithm === 'string' ? algorithm : algorithm.name);
    vi.spyOn(crypto.subtle, 'generateKey').mockImplementation(((
      algorithm: AlgorithmIdentifier,
      extractable: boolean,
      usages: KeyUsage[],
    ) =>
      name(algorithm) === 'Ed25519'
        ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
        : real(algorithm, extractable, usages)) as typeof crypto.subtle.generateKey);
    const notes: DebugNote[] = [];
    const dpop = await createDPoP(offering('EdDSA', 'RS256'), client, { onNote: (n) => notes.push(n) });
    expect(dpop).toBeDefined();
    expect(notes).toEqual([]);
    expect(decodeProtectedHeader((await pollOnce(dpop))!).alg).toBe('RS256');
  });

  it("falls back to Bearer with a note naming them when none of the IdP's algorithms can be used", async () => {
    const notes: DebugNote[] = [];
    const dpop = await createDPoP(offering('ES512', 'HS256'), client, { onNote: (n) => notes.push(n) });
    expect(dpop).toBeUndefined();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.details).toContain('ES512, HS256');
  });

  it('makes no note when the IdP does not offer DPoP at all: Bearer is then simply what it does', async () => {
    const onNote = vi.fn();
    expect(await createDPoP(as, client, { onNote })).toBeUndefined();
    expect(onNote).not.toHaveBeenCalled();
  });
});
