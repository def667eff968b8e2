/** RFC 9449 DPoP helpers. The key pair lives in memory only and is not extractable. */
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

/** A fresh DPoP handle when the IdP supports an algorithm we can make keys for; else undefined. */
export async function createDPoP(as: AuthorizationServer, client: Client): Promise<DPoPHandle | undefined> {
  const offered = as.dpop_signing_alg_values_supported;
  if (!offered?.length) return undefined;
  const alg = (['ES256', 'EdDSA', 'PS256', 'RS256'] as const).find((a) => offered.includes(a));
  if (!alg) return undefined;
  return DPoP(client, await generateKeyPair(alg));
}
