import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { build, defineConfig, type Plugin } from 'vite';
import { oauth4webapiLater } from './build/oauth4webapi-later.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
// TV engines from 2019-20 on (webOS 5 = Chromium 68, Tizen 5.5 = Chromium 69, Safari 12): Vite's oxc lowers the syntax they lack
// (Svelte's #private fields, ?., ??, ??=) for these; src/polyfills.ts fills the missing APIs;
// `npm run check:dist` proves the output. Keep in step with "browserslist" in package.json.
const target = ['chrome68', 'safari12'];

/**
 * embed.js, the module a deployer's app imports from the screen (docs/embedding.md): built in a
 * build of its own right after the app's, so it can never share a chunk with the app (an app on
 * another origin would then need that chunk too), unhashed at the root beside index.html.
 */
function embed(): Plugin {
  let outDir = 'dist';
  return {
    name: 'screen-signin:embed',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir; // beside the app, wherever that build goes (the bench's own builds too)
    },
    async closeBundle() {
      await build({
        root,
        configFile: false,
        logLevel: 'warn',
        build: {
          target,
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          sourcemap: false,
          minify: true,
          lib: { entry: 'src/embed/embed.ts', formats: ['es'], fileName: () => 'embed.js' },
          // Vite keeps the whitespace of an ES library; this file is fetched by TVs, not bundled again.
          rolldownOptions: { output: { minify: true } },
        },
      });
    },
  };
}

/**
 * V8's explicit compile hint (Chrome 136+; other engines read a comment): the first script's file
 * runs nearly all its functions before the code is on screen, so V8 compiles them while the file
 * streams in, on a background thread, instead of one by one on the main thread as each is first
 * called. A/B on the bench's TV profile: the code text 0.93x as late, code + QR 0.92x (README, Speed).
 * The boot file and the QR encoder's chunk (src/boot/screen.ts loadQr), whose functions all run for
 * the first QR; not the app's chunks, where it measured no gain. e2e/boot.e2e.ts checks it is there.
 */
const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n';
/** The QR encoder's chunk is found by what it holds, not by its name (a chunk shared with the app has no entry module). */
const QR_MODULE = `${root}src/ui/qr.ts`;
function compileHint(): Plugin {
  return {
    name: 'screen-signin:compile-hint',
    apply: 'build',
    enforce: 'post',
    generateBundle: {
      // After Vite's own generateBundle work, which puts its preload map at the top of the file.
      order: 'post',
      handler(_options, bundle) {
        for (const chunk of Object.values(bundle))
          if (chunk.type === 'chunk' && (chunk.isEntry || chunk.moduleIds.includes(QR_MODULE)))
            chunk.code = COMPILE_HINT + chunk.code;
      },
    },
  };
}

/**
 * index.html fetches the QR encoder's chunk beside the first script (<link rel=modulepreload>), so
 * that it is there, compiled, when src/boot/flow.ts imports it while the code request is out: with
 * the discovery preload (docs/deploy.md) no round trip is left to hide its download in. Engines
 * without modulepreload (Safari before 17) fetch it at the import, as before.
 */
function qrPreload(): Plugin {
  return {
    name: 'screen-signin:qr-preload',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        const qr = Object.values(bundle ?? {}).find(
          (chunk) => chunk.type === 'chunk' && chunk.moduleIds.includes(QR_MODULE),
        );
        if (!qr) throw new Error('qrPreload: no chunk holds src/ui/qr.ts');
        return [{ tag: 'link', attrs: { rel: 'modulepreload', href: `./${qr.fileName}` }, injectTo: 'head' }];
      },
    },
  };
}

export default defineConfig({
  plugins: [svelte(), oauth4webapiLater(), embed(), compileHint(), qrPreload()],
  // Relative asset URLs: the build works from any path a deployer serves it under.
  base: './',
  build: {
    sourcemap: false,
    target,
    cssTarget: target,
    // index.html's one <link rel=modulepreload> is the QR encoder's (qrPreload), and the lazy
    // chunks' preloads only speed up the app's load after the code: engines without modulepreload
    // (Safari before 17) fetch those as imports instead. The polyfill would cost every screen its bytes.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: {
        // The boot path (src/boot/boot.ts and all it imports: the flow, the core, oauth4webapi and the
        // syntax helpers) is one file. On a slow TV each request costs the main thread more than the
        // bytes do: measured, one file shows the code 7 % sooner than six small ones (bench/README.md).
        codeSplitting: { groups: [{ name: 'index', tags: ['$initial'] }] },
      },
    },
  },
  preview: { host: '127.0.0.1', port: 4000, strictPort: true },
  server: { host: '127.0.0.1', port: 4000, strictPort: true },
});
