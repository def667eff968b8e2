// Small HTML helpers for the demo IdP's pages (phone side). Every interpolated value goes through
// `esc`; the pages use no script, only inline CSS, and are readable on a phone.

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
