import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { build, defineConfig, type Plugin } from 'vite';

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
 * index.html preloads the boot path's second chunk (src/boot/flow.ts) and what it imports beside
 * the first script, so they download while that script runs and discovery is in flight rather than
 * a round trip after it; Vite by itself preloads only the entry's static imports.
 */
function preloadBootFlow(): Plugin {
  let base = './';
  return {
    name: 'screen-signin:preload-boot-flow',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        const entry = ctx.chunk;
        if (!bundle || !entry) return;
        const chunks = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));
        const flow = chunks.find((c) => c.facadeModuleId?.endsWith('/src/boot/flow.ts'));
        if (!flow) throw new Error('src/boot/flow.ts is not a chunk of its own');
        const files = new Set<string>();
        const add = (fileName: string) => {
          if (files.has(fileName) || fileName === entry.fileName || entry.imports.includes(fileName)) return;
          files.add(fileName);
          for (const dep of chunks.find((c) => c.fileName === fileName)?.imports ?? []) add(dep);
        };
        add(flow.fileName);
        return [...files].map((file) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `${base}${file}` },
          injectTo: 'head',
        }));
      },
    },
  };
}

export default defineConfig({
  plugins: [svelte(), embed(), preloadBootFlow()],
  // Relative asset URLs: the build works from any path a deployer serves it under.
  base: './',
  build: {
    sourcemap: false,
    target,
    cssTarget: target,
    rolldownOptions: {
      output: {
        // The chunk the boot path and the app share (oauth4webapi and the protocol core) has a name
        // that says so; the rest are named after their first module as usual.
        chunkFileNames: (chunk) =>
          chunk.moduleIds.some((id) => id.includes('/node_modules/oauth4webapi/'))
            ? 'assets/core-[hash].js'
            : 'assets/[name]-[hash].js',
      },
    },
  },
  preview: { host: '127.0.0.1', port: 4000, strictPort: true },
  server: { host: '127.0.0.1', port: 4000, strictPort: true },
});
