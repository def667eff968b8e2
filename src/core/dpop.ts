/** RFC 9449 DPoP helpers. The key pair is not extractable; it lives in memory only unless config `remember` keeps it. */
import {
  DPoP,
  generateKeyPair,
  isDPoPNonceError,
  modifyAssertion,
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
  type ModifyAssertionOptions,
} from 'oauth4webapi/later';
import type { DebugNote } from './debug-log';
import type { ServerTime } from './server-time';

/**
 * RFC 9449 §8/§9: a server may answer `use_dpop_nonce`; oauth4webapi's handle remembers the nonce,
 * so one immediate retry carries it. This also covers a proof whose `iat` is off (a wrong clock the
 * screen could not correct): servers with nonces (oidc-provider with a nonceSecret) then ask for
 * one instead of refusing (§11.1), and a proof with a fresh nonce needs no recent `iat`.
 */
export async function withDPoPNonceRetry<T>(
  dpop: DPoPHandle | undefined,
  send: () => Promise<Response>,
  process: (response: Response) => Promise<T>,
): Promise<T> {
  try {
    return await process(await send());
  } catch (err) {
    if (dpop && isDPoPNonceError(err)) return process(await send());
    throw err;
  }
}

/** The algorithms we make keys for, best first. */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const;

export interface DPoPOptions {
  /** The IdP's clock: each proof's `iat` is the IdP's time, once known. */
  time?: ServerTime;
  /** Told when the IdP offers DPoP but this browser cannot do it (for the operator's debug overlay). */
  onNote?(note: DebugNote): void;
}

/**
 * A fresh key pair when the IdP supports an algorithm this browser can make keys for. The private
 * key is not extractable (oauth4webapi's default), also when config `remember` stores it. Without
 * WebCrypto (`crypto.subtle` exists only in a secure context: a page served over http from a LAN
 * address has none) or with none of the IdP's algorithms available (Ed25519 is missing from older
 * engines), undefined: the sign-in goes on with Bearer tokens (RFC 9449 §5 lets a server issue them
 * to a client that sends no proof) and `onNote` says why, rather than stopping the screen.
 */
export async function createDPoPKeys(
  as: AuthorizationServer,
  { onNote }: Pick<DPoPOptions, 'onNote'> = {},
): Promise<CryptoKeyPair | undefined> {
  const offered = as.dpop_signing_alg_values_supported;
  if (!offered?.length) return undefined;
  if (!globalThis.crypto?.subtle) {
    onNote?.({
      code: 'dpop_off',
      details:
        'no WebCrypto (crypto.subtle): the page is not a secure context (http from a LAN address?); tokens are Bearer',
    });
    return undefined;
  }
  for (const alg of DPOP_ALGORITHMS.filter((a) => offered.includes(a))) {
    try {
      return await generateKeyPair(alg);
    } catch {
      // This engine cannot make keys for this algorithm: try the next the IdP offers.
    }
  }
  onNote?.({
    code: 'dpop_off',
    details: `none of the IdP's DPoP algorithms (${offered.join(', ')}) can be used in this browser; tokens are Bearer`,
  });
  return undefined;
}

/**
 * The handle that signs proofs with `keys`: fresh ones, or those a remembered session kept. With
 * `time`, each proof's `iat` is the IdP's time, so a TV whose clock is off is not refused
 * (RFC 9449 §11.1); oauth4webapi alone would use the skew of when the handle was made.
 */
export function dpopWithKeys(client: Client, keys: CryptoKeyPair, time?: ServerTime): DPoPHandle {
  const options: ModifyAssertionOptions = {
    [modifyAssertion]: (_header, payload) => {
      const now = time?.now();
      if (now !== undefined) payload.iat = Math.floor(now / 1000);
    },
  };
  return DPoP(client, keys, options);
}

/** A fresh DPoP handle (createDPoPKeys, dpopWithKeys); undefined where the sign-in goes on with Bearer. */
export async function createDPoP(
  as: AuthorizationServer,
  client: Client,
  options: DPoPOptions = {},
): Promise<DPoPHandle | undefined> {
  const keys = await createDPoPKeys(as, options);
  return keys && dpopWithKeys(client, keys, options.time);
}
