import { describe, expect, it } from 'vitest';
import { remembers } from './flow';

describe('whether the boot path leaves the start-up to a remembered session', () => {
  const query = (q: string) => new URLSearchParams(q);

  it('does when config.json or the URL turns `remember` on', () => {
    expect(remembers({ remember: true }, query(''))).toBe(true);
    expect(remembers({ remember: 'true' }, query(''))).toBe(true);
    expect(remembers(undefined, query('remember=1'))).toBe(true);
  });

  it('does not when it is off or not set, the URL winning over the file', () => {
    expect(remembers(undefined, query(''))).toBe(false);
    expect(remembers({ remember: false }, query(''))).toBe(false);
    expect(remembers({ remember: true }, query('remember=false'))).toBe(false);
    expect(remembers({ remember: true }, query('remember=0'))).toBe(false);
  });
});
