import { describe, expect, it } from 'vitest';
import { remoteAction } from './remote';

const key = (key: string, keyCode = 0, mods: Partial<Record<'altKey' | 'ctrlKey' | 'metaKey', boolean>> = {}) => ({
  key,
  keyCode,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods,
});

describe('remoteAction', () => {
  it.each([
    ['ArrowUp', 'up'],
    ['ArrowDown', 'down'],
    ['ArrowLeft', 'left'],
    ['ArrowRight', 'right'],
    ['Enter', 'ok'],
    ['Escape', 'back'],
    [' ', 'ok'],
    ['Backspace', 'back'],
    ['GoBack', 'back'],
  ])('maps the standard key %s to %s', (name, action) => {
    expect(remoteAction(key(name))).toBe(action);
  });

  it('understands the old key names of Safari 12 and early Chromium (Up, Esc)', () => {
    expect(remoteAction(key('Up'))).toBe('up');
    expect(remoteAction(key('Esc'))).toBe('back');
  });

  it('maps the TV Back keycodes: webOS 461 and Tizen 10009', () => {
    expect(remoteAction(key('Unidentified', 461))).toBe('back');
    expect(remoteAction(key('Unidentified', 10009))).toBe('back');
    expect(remoteAction(key('Unidentified', 13))).toBe('ok');
  });

  it('leaves other keys and browser shortcuts alone', () => {
    expect(remoteAction(key('a', 65))).toBeUndefined();
    expect(remoteAction(key('ArrowLeft', 37, { altKey: true }))).toBeUndefined();
  });
});
