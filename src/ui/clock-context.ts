/**
 * The session's clock, handed to every countdown under App: the screen's time comes from the same
 * injected clock as the core's timers, never from Date.now.
 */
import { createContext } from 'svelte';
import type { Clock } from '../core/clock';

export const [useClock, provideClock] = createContext<Clock>();
