import { describe, expect, it } from 'vitest';
import { directives, sourceListAllows } from './csp.ts';

const SCREEN = 'https://screens.example.com';
const APP = 'https://rooms.example.com';

describe('sourceListAllows', () => {
  it.each([
    [`${SCREEN}`, true],
    ['https://screens.example.com:443', true],
    ['https://*.example.com', true],
    ['screens.example.com', true],
    ['https:', true],
    ['*', true],
    ['http://screens.example.com', true], // CSP 3: an http source allows the https upgrade
    ['https://*.screens.example.com', false],
    ['https://screens.example.com:8443', false],
    ['https://other.example.com', false],
    ['http:', true],
    ['wss:', false],
    ["'self'", false],
    ["'none'", false],
    ['', false],
  ])("'%s' allows the screen: %s", (list, allowed) => {
    expect(sourceListAllows(list, SCREEN, APP)).toBe(allowed);
  });

  it('matches ports on loopback as the demo uses them', () => {
    expect(sourceListAllows('http://127.0.0.1:4000', 'http://127.0.0.1:4000', 'http://localhost:4030')).toBe(true);
    expect(sourceListAllows('http://127.0.0.1', 'http://127.0.0.1:4000', 'http://localhost:4030')).toBe(false);
    expect(sourceListAllows('http://127.0.0.1:*', 'http://127.0.0.1:4000', 'http://localhost:4030')).toBe(true);
  });

  it("takes 'self' as the page's own origin", () => {
    expect(sourceListAllows("'self'", APP, APP)).toBe(true);
  });
});

describe('directives', () => {
  it('finds a directive in each policy, falling back as browsers do', () => {
    const header = `default-src 'none'; frame-src ${APP}, frame-ancestors 'none'; default-src 'self'`;
    expect(directives(header, ['frame-src', 'child-src', 'default-src'])).toEqual([APP, "'self'"]);
    expect(directives(header, ['frame-ancestors'])).toEqual(["'none'"]);
    expect(directives(null, ['frame-src'])).toEqual([]);
  });
});
