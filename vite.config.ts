import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs: the build works from any path a deployer serves it under.
  base: './',
  build: {
    sourcemap: false,
    // TV engines from 2018 on (Tizen 5 / webOS 5 class): Vite's oxc lowers the syntax they lack
    // (Svelte's #private fields, ?., ??, ??=) for these; src/polyfills.ts fills the missing APIs;
    // `npm run check:dist` proves the output. Keep in step with "browserslist" in package.json.
    target: ['chrome69', 'safari12'],
    cssTarget: ['chrome69', 'safari12'],
  },
  preview: { host: '127.0.0.1', port: 4000, strictPort: true },
  server: { host: '127.0.0.1', port: 4000, strictPort: true },
});
