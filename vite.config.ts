import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs: the build works from any path a deployer serves it under.
  base: './',
  build: {
    sourcemap: false,
    // TV engines from 2019-20 on (webOS 5 = Chromium 68, Tizen 5.5 = Chromium 69, Safari 12): Vite's oxc lowers the syntax they lack
    // (Svelte's #private fields, ?., ??, ??=) for these; src/polyfills.ts fills the missing APIs;
    // `npm run check:dist` proves the output. Keep in step with "browserslist" in package.json.
    target: ['chrome68', 'safari12'],
    cssTarget: ['chrome68', 'safari12'],
  },
  preview: { host: '127.0.0.1', port: 4000, strictPort: true },
  server: { host: '127.0.0.1', port: 4000, strictPort: true },
});
