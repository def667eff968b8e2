/** RFC 9449 DPoP helpers. The key pair is not extractable; it lives in memory only unless config `remember` keeps it. */
import {
  DPoP,
  generateKeyPair,
  isDPoPNonceError,
  type AuthorizationServer,
  type Client,
  type DPoPHandle,
} from 'oauth4webapi';

/**
 * RFC 9449 §8/§9: a server may answer `use_dpop_nonce`; oauth4webapi's handle remembers the nonce,
 * so one immediate retry carries it.
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

/**
 * A fresh key pair when the IdP supports an algorithm we can make keys for; else undefined. The
 * private key is not extractable (oauth4webapi's default), also when config `remember` stores it.
 */
export async function createDPoPKeys(as: AuthorizationServer): Promise<CryptoKeyPair | undefined> {
  const offered = as.dpop_signing_alg_values_supported;
  if (!offered?.length) return undefined;
  const alg = (['ES256', 'EdDSA', 'PS256', 'RS256'] as const).find((a) => offered.includes(a));
  if (!alg) return undefined;
  return generateKeyPair(alg);
}

/** The handle that signs proofs with `keys`: fresh ones, or those a remembered session kept. */
export const dpopWithKeys = (client: Client, keys: CryptoKeyPair): DPoPHandle => DPoP(client, keys);

/** A fresh DPoP handle when the IdP supports an algorithm we can make keys for; else undefined. */
export async function createDPoP(as: AuthorizationServer, client: Client): Promise<DPoPHandle | undefined> {
  const keys = await createDPoPKeys(as);
  return keys && dpopWithKeys(client, keys);
}
