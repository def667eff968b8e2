import { describe, expect, it } from 'vitest';
import { askedWaitMs, MAX_RETRY_AFTER_MS, retryAfterMs } from './retry-after';

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

describe('askedWaitMs', () => {
  const serverNow = Date.parse('2025-01-01T00:00:00Z');

  it('reads the non-standard X-Retry-After that some rate limiters send alone, capped the same', () => {
    expect(askedWaitMs(new Headers({ 'x-retry-after': '45' }), serverNow)).toBe(45_000);
    expect(askedWaitMs(new Headers({ 'x-retry-after': '86400' }), serverNow)).toBe(MAX_RETRY_AFTER_MS);
    expect(askedWaitMs(new Headers({ 'retry-after': '5', 'x-retry-after': '45' }), serverNow)).toBe(5_000);
    expect(askedWaitMs(new Headers(), serverNow)).toBeUndefined();
  });

  it("counts an HTTP-date Retry-After from the answer's own Date, so a screen's wrong clock does not enter", () => {
    const headers = new Headers({
      date: 'Wed, 01 Jan 2025 12:00:00 GMT',
      'retry-after': 'Wed, 01 Jan 2025 12:00:30 GMT',
    });
    // The screen believes it is midnight: twelve hours off.
    expect(askedWaitMs(headers, serverNow)).toBe(30_000);
    headers.delete('date');
    expect(askedWaitMs(headers, serverNow)).toBe(MAX_RETRY_AFTER_MS);
  });
});
