import type { Clock } from '../core/clock';

/**
 * A clock for unit tests: time stands still until `advance` moves it and runs due sleepers. The
 * wall clock follows it, `wallOffset` ms apart, until `stepWall` jumps it alone (an NTP step).
 */
export interface TestClock extends Clock {
  advance(ms: number): Promise<void>;
  /** Moves time to the next pending sleeper and wakes it; returns the ms advanced. */
  next(): Promise<number>;
  pending(): number;
  /** Moves the wall clock by `ms` and nothing else: no sleeper wakes, `now()` stays. */
  stepWall(ms: number): void;
}

export function testClock(start = 1_700_000_000_000, wallOffset = 0): TestClock {
  let now = start;
  let offset = wallOffset;
  let seq = 0;
  const sleepers: { at: number; seq: number; resolve(): void }[] = [];
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
  };
  const clock: TestClock = {
    now: () => now,
    wall: () => now + offset,
    stepWall: (ms) => void (offset += ms),
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const entry = { at: now + Math.max(0, ms), seq: seq++, resolve };
        sleepers.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const i = sleepers.indexOf(entry);
            if (i >= 0) sleepers.splice(i, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      });
    },
    async advance(ms) {
      const target = now + ms;
      await flush();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const due = sleepers[0];
        if (!due || due.at > target) break;
        sleepers.shift();
        now = Math.max(now, due.at);
        due.resolve();
        await flush();
      }
      now = target;
      await flush();
    },
    async next() {
      await flush();
      sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const due = sleepers[0];
      if (!due) return 0;
      const step = Math.max(0, due.at - now);
      await clock.advance(step);
      return step;
    },
    pending: () => sleepers.length,
  };
  return clock;
}
