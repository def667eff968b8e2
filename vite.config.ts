import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs: the build works from any path a deployer serves it under.
  base: './',
  build: {
    sourcemap: false, target: ['chrome69', 'safari12'],
  },
  preview: { host: '127.0.0.1', port: 4000, strictPort: true },
  server: { host: '127.0.0.1', port: 4000, strictPort: true },
});
