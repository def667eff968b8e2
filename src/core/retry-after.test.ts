import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, retryAfterMs } from './retry-after';

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('caps a Retry-After of an hour, a year or 10^11 s at 10 minutes (setTimeout would fire at once beyond 24.8 days)', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    for (const value of ['3600', '31536000', '99999999999', 'Fri, 01 Jan 2100 00:00:00 GMT']) {
      expect(retryAfterMs(value, now)).toBe(MAX_RETRY_AFTER_MS);
    }
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it('reads a negative or past Retry-After as "now", and a blank one as absent', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs('-5', now)).toBe(0);
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('  ', now)).toBeUndefined();
  });
});
