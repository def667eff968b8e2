/**
 * `oauth4webapi/later`: oauth4webapi for the modules that run after the code is on screen (polling,
 * tokens, DPoP, the API, userinfo), so the boot path's file carries only the part of it the boot
 * path uses (discovery and the device authorization request).
 *
 * A bundler puts a module in one chunk whole: it drops what no chunk uses, but the first script's
 * file would hold everything the app uses of oauth4webapi (ID token and JWT checks, DPoP, refresh,
 * revocation, resource requests), 5 kB gzip a TV would parse before the code for nothing. So the
 * later modules import `oauth4webapi/later`, which is oauth4webapi's own file again, with one change:
 * what has an identity (its option symbols such as `customFetch`, its error classes for
 * `instanceof`) is not declared a second time but taken from `oauth4webapi`, so both are one library
 * to the code that uses them. Everything else in it is plain functions, which may exist twice, and
 * two pieces of private state: a DPoP handle and an ID token's claims are known only to the copy
 * whose functions made them. So `DPoP()`, the token requests and `getValidatedIdTokenClaims` all come
 * from `oauth4webapi/later` (src/core/dpop.ts, tokens.ts, poll.ts, identity.ts), tests included.
 *
 * Used by the build (vite.config.ts) and the unit tests (vitest.config.ts), so the tests run the
 * code the app runs; src/oauth4webapi-later.d.ts gives TypeScript the same types as `oauth4webapi`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const LATER = 'oauth4webapi/later';
const ID = '\0oauth4webapi-later.js';

/** A declaration with an identity: `export const x = Symbol();` or `export class X …`. */
const IDENTITY = /^export (const (\w+) = Symbol\(\);|class (\w+) )/gm;

/**
 * oauth4webapi's source with its identities imported from `oauth4webapi` instead of declared. The
 * declarations stay, renamed and unexported, for the bundler to drop; the names the rest of the
 * file uses are the imported ones.
 */
export function laterSource(source: string): string {
  const names: string[] = [];
  const body = source.replace(IDENTITY, (_match, decl: string, symbol?: string, cls?: string) => {
    const name = (symbol ?? cls)!;
    names.push(name);
    return decl.replace(name, `${name}$$copy`);
  });
  // Its layout is what this relies on: a version that declares them otherwise must be looked at.
  if (!names.includes('customFetch') || !names.includes('ResponseBodyError'))
    throw new Error(
      `${LATER}: oauth4webapi's symbols and error classes were not found; see build/oauth4webapi-later.ts`,
    );
  const list = names.join(', ');
  return `import { ${list} } from 'oauth4webapi';\nexport { ${list} };\n${body}`;
}

export function oauth4webapiLater(): Plugin {
  const file = createRequire(import.meta.url).resolve('oauth4webapi');
  return {
    name: 'screen-signin:oauth4webapi-later',
    enforce: 'pre',
    resolveId: (id) => (id === LATER ? ID : undefined),
    load: (id) => (id === ID ? laterSource(readFileSync(file, 'utf8')) : undefined),
  };
}
