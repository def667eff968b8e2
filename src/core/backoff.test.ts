import { describe, expect, it } from 'vitest';
import { backoff, BACKOFF_CAP_MS } from './backoff';

const zero = () => 0;

describe('backoff', () => {
  it('starts at the base and doubles with each failure in a row', () => {
    expect([1, 2, 3, 4].map((n) => backoff(n, { base: 2_000 }, zero))).toEqual([2_000, 4_000, 8_000, 16_000]);
  });

  it('adds up to 20 % jitter from the injected random source', () => {
    expect(backoff(1, { base: 10_000 }, () => 0.5)).toBe(11_000);
    expect(backoff(1, { base: 10_000 }, () => 0.999)).toBe(11_998);
  });

  it('caps the wait after the jitter, so the cap is a real ceiling', () => {
    expect(backoff(20, { base: 2_000 }, () => 0.999)).toBe(BACKOFF_CAP_MS);
    expect(backoff(1, { base: 55_000 }, () => 0.999)).toBe(BACKOFF_CAP_MS);
    expect(backoff(3, { base: 2_000, cap: 5_000 }, zero)).toBe(5_000);
  });

  it('never waits less than the floor, even when the floor is above the cap', () => {
    expect(backoff(1, { base: 1_000, floor: 5_000 }, zero)).toBe(5_000);
    expect(backoff(5, { base: 90_000, floor: 90_000 }, zero)).toBe(90_000);
  });

  it("waits for the server's Retry-After when it is longer, even beyond the cap", () => {
    expect(backoff(1, { base: 2_000 }, zero, 20_000)).toBe(20_000);
    expect(backoff(1, { base: 2_000 }, zero, 600_000)).toBe(600_000);
    expect(backoff(3, { base: 2_000 }, zero, 1_000)).toBe(8_000);
  });
});
