import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { oauth4webapiLater } from './build/oauth4webapi-later.ts';

export default defineConfig({
  // The session's class uses runes ($state) in a .svelte.ts module: Svelte compiles it for the
  // tests as for the app (server output in the node environment, where $state fields are plain).
  plugins: [svelte(), oauth4webapiLater()],
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'deploy/**/*.test.ts'],
  },
});
