/**
 * The signed-in half of the screen as one chunk: App.svelte loads it while the code is on screen,
 * so the first load of the code screen carries none of it (bench/size.ts counts that load).
 */
export { default as SignedIn } from './SignedIn.svelte';
export { default as ConfirmDialog } from './ConfirmDialog.svelte';
