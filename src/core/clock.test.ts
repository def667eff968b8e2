import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock';

describe('systemClock.now', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is monotonic: a step of the wall clock (NTP at boot, someone setting the time) does not move it', () => {
    const before = systemClock.now();
    const wall = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(wall + 2 * 3_600_000);
    expect(systemClock.wall()).toBe(wall + 2 * 3_600_000);
    const after = systemClock.now();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after - before).toBeLessThan(60_000);
  });

  it('counts from performance.timeOrigin with performance.now()', () => {
    vi.spyOn(performance, 'now').mockReturnValue(1_234.5);
    expect(systemClock.now()).toBe(performance.timeOrigin + 1_234.5);
  });
});

describe('systemClock.sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never hands setTimeout more than 2^31 - 1 ms, which it would treat as 0 and fire at once', async () => {
    vi.useFakeTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    let woke = false;
    void systemClock.sleep(1e13).then(() => (woke = true));
    expect(spy.mock.calls[0]![1]).toBe(2 ** 31 - 1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(woke).toBe(false);
  });

  it('rejects with the reason when aborted, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(5_000, controller.signal);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(vi.getTimerCount()).toBe(0);
  });
});
