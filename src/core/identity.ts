/** Who is signed in: from the validated ID token, else from the userinfo endpoint (OIDC Core §5.3). */
import { processUserInfoResponse, skipSubjectCheck, userInfoRequest, type JsonValue } from 'oauth4webapi';
import { toAppError } from './oauth-errors';
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

export async function whoIsSignedIn(
  ctx: TokenContext,
  tokens: Tokens,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const fromIdToken = tokens.idTokenClaims;
  if (fromIdToken?.name || fromIdToken?.preferred_username || !ctx.as.userinfo_endpoint)
    return displayName(fromIdToken);
  try {
    const response = await userInfoRequest(ctx.as, ctx.client, await tokens.accessToken(), {
      ...requestOptions(ctx.net, 'userinfo', signal),
      DPoP: ctx.dpop,
    });
    const expected = fromIdToken?.sub ?? skipSubjectCheck;
    return (
      displayName(await processUserInfoResponse(ctx.as, ctx.client, expected, response)) ?? displayName(fromIdToken)
    );
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    // The access token may be meant for another audience than userinfo; the ID token's sub still names someone.
    if (fromIdToken) return displayName(fromIdToken);
    throw toAppError(err, { endpoint: 'userinfo', client_id: ctx.net.client_id });
  }
}
