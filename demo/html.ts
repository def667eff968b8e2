// The demo IdP's pages (the phone side): enter the code, confirm it, sign in, allow, done, errors.
// Every interpolated value goes through `esc`; the pages use no script, only inline CSS, and are
// readable on a phone. The `data-testid`s are what e2e tests click (demo/README.md lists them).

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes a value for HTML text and double-quoted attribute contexts. */
export function esc(value: unknown): string {
  if (value === undefined || value === null) return '';
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Content-Security-Policy for the pages: no script, inline styles only, forms post back to us. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `
*{box-sizing:border-box}
html{font-size:18px;-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;line-height:1.5;color:#111;background:#f3f4f6}
main{max-width:30rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
.card{background:#fff;border-radius:12px;padding:1.5rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
p{margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .35rem}
input[type=text],input[type=password]{display:block;width:100%;font-size:1.25rem;padding:.7rem .8rem;margin:0 0 1rem;border:2px solid #6b7280;border-radius:8px;background:#fff;color:#111}
input:focus,button:focus{outline:3px solid #2563eb;outline-offset:2px}
input.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.6rem;letter-spacing:.15em;text-align:center;text-transform:uppercase}
button{display:block;width:100%;font-size:1.15rem;font-weight:600;padding:.8rem 1rem;margin:0 0 .75rem;border-radius:8px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d4ed8}
button.danger{background:#fff;color:#b91c1c;border-color:#b91c1c}
.code-box{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:2rem;font-weight:700;letter-spacing:.15em;text-align:center;padding:.75rem;margin:0 0 1rem;border:2px dashed #6b7280;border-radius:8px;background:#f9fafb}
.error{color:#991b1b;background:#fef2f2;border:2px solid #fca5a5;border-radius:8px;padding:.75rem}
.notice{background:#eff6ff;border:2px solid #93c5fd;border-radius:8px;padding:.75rem}
.success{color:#14532d;background:#f0fdf4;border:2px solid #86efac;border-radius:8px;padding:1rem;font-size:1.25rem}
.hint{color:#374151;font-size:.95rem}
main>.hint{margin-top:1rem;text-align:center}
ul.scopes{padding-left:1.25rem;margin:0 0 1rem}
ul.scopes li{margin:0 0 .35rem}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
`;

/** A whole page. `title` is escaped here; `body` must already be safe HTML. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · Demo IdP</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="card">
${body}
</div>
<p class="hint">Demo identity provider of screen-signin. Not for real accounts.</p>
</main>
</body>
</html>`;
}

/** The code input; oidc-provider renders it at the verification URI (RFC 8628 §3.3). */
export function userCodePage(action: string, xsrf: string, code = '', error?: { kind: string; text: string }): string {
  const message = error
    ? `<p class="${error.kind === 'aborted' ? 'notice' : 'error'}" role="alert" data-testid="idp-error" data-error="${esc(error.kind)}">${esc(error.text)}</p>`
    : '<p>Type the code that the screen shows.</p>';
  return page(
    'Connect a screen',
    `<h1>Connect a screen</h1>
${message}
<form method="post" action="${esc(action)}" novalidate>
  <input type="hidden" name="xsrf" value="${esc(xsrf)}">
  <label for="user_code">Code shown on the screen</label>
  <input id="user_code" class="code" type="text" name="user_code" value="${esc(code)}" data-testid="idp-user-code"
    autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" autofocus
    placeholder="XXXX-XXXX" aria-describedby="code-hint">
  <p id="code-hint" class="hint">Letters only, dash optional. Not case sensitive.</p>
  <button type="submit" data-testid="idp-user-code-submit">Continue</button>
</form>`,
  );
}

/** What the person reads for each error oidc-provider's device flow hands to the code input page. */
export function userCodeError(name: string, out?: { error?: string; error_description?: string }) {
  const known: Record<string, [string, string]> = {
    NoCodeError: ['no_code', 'Type the code that the screen shows.'],
    NotFoundError: ['not_found', 'That code was not found. Check the code on the screen and try again.'],
    ExpiredError: ['expired', 'That code has expired. Get a new code on the screen and try again.'],
    AlreadyUsedError: ['used', 'That code has already been used. Get a new code on the screen.'],
    AbortedError: ['aborted', 'Sign-in cancelled. The screen was not signed in.'],
  };
  const [kind, text] = known[name] ?? [
    out?.error ?? 'error',
    `Something went wrong: ${out?.error_description ?? out?.error ?? 'unknown error'}. Try again.`,
  ];
  return { kind, text };
}

/** RFC 8628 §5.4: the person confirms the code they see on the screen before anything is granted. */
export function confirmPage(
  action: string,
  xsrf: string,
  userCode: string,
  client: string,
  clientId: string,
  ua: string,
): string {
  return page(
    'Confirm the screen',
    `<h1>Is this the code on your screen?</h1>
<div class="code-box" data-testid="idp-confirm-code">${esc(userCode)}</div>
<p><strong>${esc(client)}</strong> (client <code>${esc(clientId)}</code>) asks to sign in with your account.</p>
${ua ? `<p class="hint">Requested from: ${esc(ua)}</p>` : ''}
<p>Only continue if you can see this code on the screen in front of you. If you did not start this, press Cancel.</p>
<form method="post" action="${esc(action)}">
  <input type="hidden" name="xsrf" value="${esc(xsrf)}">
  <input type="hidden" name="user_code" value="${esc(userCode)}">
  <input type="hidden" name="confirm" value="yes">
  <button type="submit" data-testid="idp-confirm" autofocus>Continue</button>
  <button type="submit" class="danger" name="abort" value="yes" data-testid="idp-abort">Cancel, this is not my screen</button>
</form>`,
  );
}

export function successPage(client: string): string {
  return page(
    'Done',
    `<h1>Signed in</h1>
<p class="success" role="status" data-testid="idp-success">Done. You can go back to the screen.</p>
<p class="hint">${esc(client)} is now signed in with your account. You can close this page.</p>`,
  );
}

export function loginPage(
  uid: string,
  client: string,
  demoUser: { login: string; password: string },
  error?: string,
  login = '',
): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p>to connect the screen <strong>${esc(client)}</strong>.</p>
<p class="notice" data-testid="idp-demo-user">Demo user: <strong>${esc(demoUser.login)}</strong> / password: <strong>${esc(demoUser.password)}</strong></p>
${error ? `<p class="error" role="alert" data-testid="idp-error" data-error="login">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
  <label for="login">Username</label>
  <input id="login" type="text" name="login" value="${esc(login)}" data-testid="idp-login"
    autocapitalize="none" autocorrect="off" spellcheck="false" ${login ? '' : 'autofocus'} required>
  <label for="password">Password</label>
  <input id="password" type="password" name="password" data-testid="idp-password" ${login ? 'autofocus' : ''} required>
  <button type="submit" data-testid="idp-submit">Sign in</button>
</form>`,
  );
}

const SCOPE_LABELS: Record<string, string> = {
  openid: 'Know who you are (your account ID)',
  profile: 'See your name and username',
  offline_access: 'Stay signed in on the screen until someone signs it out',
  'api:read': 'Read your meeting-room schedule from the demo API',
};

/** `scopes` are OpenID scopes; `resources` maps a resource indicator (RFC 8707) to its scopes. */
export function consentPage(
  uid: string,
  client: string,
  who: string,
  scopes: string[],
  resources: Record<string, string[]>,
): string {
  const item = (scope: string, where = '') =>
    `<li><strong>${esc(SCOPE_LABELS[scope] ?? scope)}</strong> <span class="hint">(<code>${esc(scope)}</code>${where && ` at ${esc(where)}`})</span></li>`;
  const items = scopes.map((scope) => item(scope));
  for (const [resource, list] of Object.entries(resources)) {
    for (const scope of list) if (!scopes.includes(scope)) items.push(item(scope, resource));
  }
  return page(
    'Allow access',
    `<h1>Allow ${esc(client)}?</h1>
<p>Signed in as <strong>${esc(who)}</strong>.</p>
<p>The screen asks to:</p>
<ul class="scopes" data-testid="idp-scopes">${items.join('') || '<li>Sign you in</li>'}</ul>
<form method="post" action="/interaction/${esc(uid)}/consent">
  <button type="submit" name="decision" value="allow" data-testid="idp-allow" autofocus>Allow</button>
  <button type="submit" name="decision" value="deny" class="danger" data-testid="idp-deny">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, text: string): string {
  return page(
    title,
    `<h1>${esc(title)}</h1>
<p class="error" role="alert" data-testid="idp-error">${esc(text)}</p>
<p><a href="/device">Enter a code again</a></p>`,
  );
}

/** The page for a sign-in page that outlived its session (or was opened in another browser). */
export const expiredPage = (): string =>
  errorPage(
    'This page has expired',
    'This sign-in page has expired or was opened in a different browser. Type the code from the screen again.',
  );
