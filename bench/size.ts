/**
 * Deterministic byte budget over a built `dist/`: what a screen must download before it can show a
 * code. Reads dist/index.html, follows its <script src>, <link rel=stylesheet> and
 * <link rel=modulepreload> tags, then the chunks each JS file imports statically (`import … from
 * "./x.js"`, `import "./x.js"`, `export … from "./x.js"`), and sums their sizes: raw, gzip (-9) and
 * brotli (quality 11), as a static host would precompress them. Chunks reached only through dynamic
 * `import("./x.js")` are lazy, but for the QR encoder's chunk, which the boot path imports before
 * its code and QR are on screen. The boot path (src/boot/boot.ts: the flow, the core) is one
 * initial file. The app itself (Svelte, the session, the screens) is imported only
 * once the code is on screen: lazy. The language catalogues are lazy too; a screen not in English loads one of them before its
 * code, so the report names the largest.
 *
 *   tsx bench/size.ts [--dir dist] [--budget 30000] [--with-lazy] [--json]
 *
 * Exits 1 when the JS + CSS before the code (gzip) is over the budget (30 kB = 30 000 bytes by
 * default); with --with-lazy every chunk counts.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** 30 kB, in bytes (kB = 1000 bytes, as Vite prints sizes). */
export const INITIAL_GZIP_BUDGET = 30_000;

/**
 * The QR encoder's chunk (src/ui/qr.ts and qrcode): the boot path imports it dynamically, once
 * discovery has left, but every screen loads it before its code and QR are on screen.
 */
const QR_CHUNK = /(^|\/)qr-[\w-]+\.js$/;

/** The language catalogues' chunks (src/i18n/<lang>.ts). */
const LANGUAGE_CHUNK = /(^|\/)(de|fr|es|ja|ar)-[\w-]+\.js$/;

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface SizedFile extends Sizes {
  /** Path relative to the dist directory, with forward slashes. */
  file: string;
  kind: 'html' | 'js' | 'css' | 'other';
  /** How it is reached: from index.html, a static import, or a dynamic import. */
  via: 'html' | 'static' | 'dynamic';
}

export interface SizeReport {
  dir: string;
  html: SizedFile;
  /** JS and CSS loaded before the code: index.html's, their static imports and what the boot path starts at once. */
  initial: SizedFile[];
  /** Chunks reached only through dynamic import() from the initial graph (and their static deps). */
  lazy: SizedFile[];
  initialTotal: Sizes;
  lazyTotal: Sizes;
  /** initial + lazy */
  total: Sizes;
  /** The largest language catalogue: a screen not in English loads one before its code. */
  language?: SizedFile;
  budget: number;
  /** Which total the budget applies to. */
  budgetOn: 'initial' | 'initial+lazy';
  pass: boolean;
}

export function compressedSizes(data: Buffer): Sizes {
  return {
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }).length,
  };
}

function kindOf(file: string): SizedFile['kind'] {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.js' || ext === '.mjs') return 'js';
  if (ext === '.css') return 'css';
  if (ext === '.html') return 'html';
  return 'other';
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Local asset references of index.html, in document order. */
export function htmlAssets(html: string): string[] {
  const out: string[] = [];
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of withoutComments.matchAll(/<(script|link)\b[^>]*>/gi)) {
    const tag = m[0];
    if (m[1]?.toLowerCase() === 'script') {
      const src = attr(tag, 'src');
      if (src) out.push(src);
    } else {
      const rel = (attr(tag, 'rel') ?? '').toLowerCase().split(/\s+/);
      const href = attr(tag, 'href');
      if (href && (rel.includes('stylesheet') || rel.includes('modulepreload'))) out.push(href);
    }
  }
  return out.filter((ref) => !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref));
}

/** Relative specifiers a JS chunk imports statically and dynamically. */
export function jsImports(code: string): { static: string[]; dynamic: string[] } {
  const stat = new Set<string>();
  const dyn = new Set<string>();
  // Static: `import x from"./a.js"`, `import{a}from"./a.js"`, `import"./a.js"`, `export*from"./a.js"`.
  const staticRe = /(?:^|[^.\w$])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?(["'`])(\.{1,2}\/[^"'`]+)\1/g;
  for (const m of code.matchAll(staticRe)) if (m[2]) stat.add(m[2]);
  // Dynamic: `import("./a.js")` (Vite may wrap it in a preload helper; the literal is still there).
  for (const m of code.matchAll(/(?:^|[^.\w$])import\s*\(\s*(["'`])(\.{1,2}\/[^"'`]+)\1\s*\)/g))
    if (m[2]) dyn.add(m[2]);
  // Vite's preload helper lists a dynamic chunk's deps as string literals in a `__vite__mapDeps` array.
  for (const m of code.matchAll(/__vite__mapDeps\s*=[^[]*\[([^\]]*)\]/g)) {
    for (const s of (m[1] ?? '').matchAll(/["'`]([^"'`]+\.(?:js|css))["'`]/g))
      if (s[1]) dyn.add(s[1].startsWith('.') ? s[1] : `./${s[1]}`);
  }
  for (const s of stat) dyn.delete(s);
  return { static: [...stat], dynamic: [...dyn] };
}

export async function checkSize(
  dir = 'dist',
  options: { budget?: number; withLazy?: boolean } = {},
): Promise<SizeReport> {
  const root = path.resolve(dir);
  const budget = options.budget ?? INITIAL_GZIP_BUDGET;
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  const cache = new Map<string, Buffer>();
  const read = async (abs: string): Promise<Buffer> => {
    let data = cache.get(abs);
    if (!data) {
      data = await readFile(abs);
      cache.set(abs, data);
    }
    return data;
  };

  const htmlPath = path.join(root, 'index.html');
  const htmlData = await read(htmlPath);
  const html: SizedFile = { file: 'index.html', kind: 'html', via: 'html', ...compressedSizes(htmlData) };

  const initial = new Map<string, SizedFile>();
  const lazyRoots = new Set<string>();

  /** Adds a file and, for JS, its static imports to `into`; dynamic imports go to `lazyRoots`. */
  const walk = async (
    abs: string,
    via: SizedFile['via'],
    into: Map<string, SizedFile>,
    skip: Map<string, SizedFile>,
  ) => {
    if (into.has(abs) || skip.has(abs)) return;
    const data = await read(abs);
    const kind = kindOf(abs);
    into.set(abs, { file: rel(abs), kind, via, ...compressedSizes(data) });
    if (kind !== 'js') return;
    const { static: stat, dynamic } = jsImports(data.toString('utf8'));
    for (const spec of stat) await walk(path.resolve(path.dirname(abs), spec), 'static', into, skip);
    for (const spec of dynamic) lazyRoots.add(path.resolve(path.dirname(abs), spec));
  };

  for (const ref of htmlAssets(htmlData.toString('utf8'))) {
    const clean = ref.split(/[?#]/)[0] ?? ref;
    const abs = clean.startsWith('/') ? path.join(root, clean) : path.resolve(root, clean);
    await walk(abs, 'html', initial, new Map());
  }
  for (const abs of [...lazyRoots]) if (QR_CHUNK.test(rel(abs))) await walk(abs, 'dynamic', initial, new Map());
  const lazy = new Map<string, SizedFile>();
  // Dynamic imports found while walking lazy chunks are lazy too.
  for (let added = true; added;) {
    added = false;
    for (const abs of [...lazyRoots]) {
      if (initial.has(abs) || lazy.has(abs)) continue;
      await walk(abs, 'dynamic', lazy, initial);
      added = true;
    }
  }

  const sum = (files: Iterable<SizedFile>): Sizes => {
    const t = { raw: 0, gzip: 0, brotli: 0 };
    for (const f of files)
      if (f.kind === 'js' || f.kind === 'css') {
        t.raw += f.raw;
        t.gzip += f.gzip;
        t.brotli += f.brotli;
      }
    return t;
  };
  const initialTotal = sum(initial.values());
  const lazyTotal = sum(lazy.values());
  const total = {
    raw: initialTotal.raw + lazyTotal.raw,
    gzip: initialTotal.gzip + lazyTotal.gzip,
    brotli: initialTotal.brotli + lazyTotal.brotli,
  };
  const budgetOn = options.withLazy ? 'initial+lazy' : 'initial';
  const languages = [...lazy.values()].filter((f) => LANGUAGE_CHUNK.test(f.file)).sort((a, b) => b.gzip - a.gzip);
  return {
    dir: root,
    html,
    initial: [...initial.values()],
    lazy: [...lazy.values()],
    initialTotal,
    lazyTotal,
    total,
    language: languages[0],
    budget,
    budgetOn,
    pass: (options.withLazy ? total.gzip : initialTotal.gzip) <= budget,
  };
}

const kB = (n: number) => `${(n / 1000).toFixed(2)} kB`;

export function formatSizeReport(r: SizeReport): string {
  const rows: string[][] = [['file', 'via', 'raw', 'gzip', 'brotli']];
  for (const f of [r.html, ...r.initial, ...r.lazy]) rows.push([f.file, f.via, kB(f.raw), kB(f.gzip), kB(f.brotli)]);
  rows.push(['JS+CSS before the code', '', kB(r.initialTotal.raw), kB(r.initialTotal.gzip), kB(r.initialTotal.brotli)]);
  rows.push(['lazy JS+CSS', '', kB(r.lazyTotal.raw), kB(r.lazyTotal.gzip), kB(r.lazyTotal.brotli)]);
  rows.push(['initial + lazy', '', kB(r.total.raw), kB(r.total.gzip), kB(r.total.brotli)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
  );
  const measured = r.budgetOn === 'initial' ? r.initialTotal.gzip : r.total.gzip;
  if (r.language)
    lines.push(
      `A screen not in English also loads its catalogue before the code: up to ${kB(r.language.gzip)} gzip (${r.language.file}).`,
    );
  lines.push(
    `${r.pass ? 'PASS' : 'FAIL'}: ${r.budgetOn === 'initial' ? 'JS+CSS before the code' : 'all JS+CSS'} is ${kB(measured)} gzip, budget ${kB(r.budget)}` +
      (r.budgetOn === 'initial' ? ` (with the lazy chunks: ${kB(r.total.gzip)})` : ''),
  );
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = value('--dir') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  const budgetArg = value('--budget');
  const budget = budgetArg !== undefined ? Number(budgetArg) : undefined;
  if (budget !== undefined && !(budget > 0)) throw new Error(`--budget ${budgetArg}: expected a number of bytes`);
  const report = await checkSize(dir, { budget, withLazy: argv.includes('--with-lazy') });
  console.log(argv.includes('--json') ? JSON.stringify(report, null, 2) : formatSizeReport(report));
  return report.pass ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`bench/size.ts: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
