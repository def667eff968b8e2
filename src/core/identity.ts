/** Who is signed in: from the validated ID token, else from the userinfo endpoint (OIDC Core §5.3). */
import { processUserInfoResponse, skipSubjectCheck, userInfoRequest, type JsonValue } from 'oauth4webapi/later';
import { withDPoPNonceRetry } from './dpop';
import { requestOptions } from './transport';
import type { TokenContext, Tokens } from './tokens';

type Claims = Record<string, JsonValue | undefined>;

/** name, else preferred_username, else sub (docs/contract.md `user`). */
export function displayName(claims: Claims | undefined): string | undefined {
  for (const key of ['name', 'preferred_username', 'sub']) {
    const value = claims?.[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

/**
 * The name to show. A name is a nicety: when userinfo fails (down, refusing the access token's
 * audience, naming another subject) the ID token's `sub` is shown, or no name at all, and the
 * sign-in goes on. Only an abort rejects.
 */
export async function whoIsSignedIn(
  ctx: TokenContext,
  tokens: Tokens,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const fromIdToken = tokens.idTokenClaims;
  if (fromIdToken?.name || fromIdToken?.preferred_username || !ctx.as.userinfo_endpoint)
    return displayName(fromIdToken);
  try {
    const token = await tokens.accessToken();
    const send = () =>
      userInfoRequest(ctx.as, ctx.client, token, { ...requestOptions(ctx.net, 'userinfo', signal), DPoP: tokens.dpop });
    // OIDC Core §5.3.2: the claims are only this person's when `sub` matches the ID token's.
    const expected = fromIdToken?.sub ?? skipSubjectCheck;
    const claims = await withDPoPNonceRetry(tokens.dpop, send, (res) =>
      processUserInfoResponse(ctx.as, ctx.client, expected, res),
    );
    return displayName(claims) ?? displayName(fromIdToken);
  } catch {
    if (signal?.aborted) throw signal.reason;
    return displayName(fromIdToken);
  }
}
