/**
 * TV remote keys → intents. Arrows move focus to the nearest control in that direction (spatial,
 * so it works in both reading directions), OK/Enter activates, Back goes back. The keys come in
 * several spellings: standard `key` values, old `key` names (Safari 12: "Up"), and bare keyCodes
 * from TV platforms (webOS Back 461, Tizen Back 10009).
 */
export type RemoteAction = 'up' | 'down' | 'left' | 'right' | 'ok' | 'back';

const BY_KEY: Record<string, RemoteAction> = {
  ArrowUp: 'up',
  Up: 'up',
  ArrowDown: 'down',
  Down: 'down',
  ArrowLeft: 'left',
  Left: 'left',
  ArrowRight: 'right',
  Right: 'right',
  Enter: 'ok',
  Accept: 'ok',
  ' ': 'ok',
  Spacebar: 'ok',
  Escape: 'back',
  Esc: 'back',
  Backspace: 'back',
  GoBack: 'back',
  BrowserBack: 'back',
  XF86Back: 'back',
};

const BY_CODE: Record<number, RemoteAction> = {
  37: 'left',
  38: 'up',
  39: 'right',
  40: 'down',
  13: 'ok',
  32: 'ok',
  27: 'back',
  8: 'back',
  461: 'back', // LG webOS
  10009: 'back', // Samsung Tizen
};

export function remoteAction(
  event: Pick<KeyboardEvent, 'key' | 'keyCode' | 'altKey' | 'ctrlKey' | 'metaKey'>,
): RemoteAction | undefined {
  if (event.altKey || event.ctrlKey || event.metaKey) return undefined; // browser shortcuts stay the browser's
  return BY_KEY[event.key] ?? BY_CODE[event.keyCode];
}

const FOCUSABLE = 'button:not([disabled]), a[href], [tabindex="0"]';

interface Box {
  x: number;
  y: number;
}

const centre = (el: Element): Box => {
  const r = el.getBoundingClientRect();
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
};

/**
 * The control to move to from `from` in `action`'s direction: among those whose centre lies that
 * way, the one nearest along the axis, with sideways distance counting double.
 */
export function nextFocus(
  from: Element | null,
  action: 'up' | 'down' | 'left' | 'right',
  root: ParentNode,
): HTMLElement | undefined {
  const candidates = Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => el !== from && el.getClientRects().length > 0,
  );
  if (!from || !(from instanceof Element) || !candidates.length) return candidates[0];
  const a = centre(from);
  let best: HTMLElement | undefined;
  let bestScore = Infinity;
  for (const el of candidates) {
    const b = centre(el);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const [along, across] =
      action === 'up' ? [-dy, dx] : action === 'down' ? [dy, dx] : action === 'left' ? [-dx, dy] : [dx, dy];
    if (along <= 1) continue;
    const score = along + 2 * Math.abs(across);
    if (score < bestScore) {
      bestScore = score;
      best = el;
    }
  }
  return best;
}

/** The screen's primary action (marked `data-primary`), focused when a screen appears. */
export function focusPrimary(root: ParentNode): void {
  const primary = root.querySelector<HTMLElement>('[data-primary]') ?? root.querySelector<HTMLElement>(FOCUSABLE);
  primary?.focus();
}

export interface RemoteOptions {
  /** Where arrows may move focus: the open dialog, else the whole screen. */
  scope: () => ParentNode;
  /** Back pressed; true when the screen used it (then the browser does not navigate back). */
  onBack: () => boolean;
}

/** The one keydown handler App installs on the window. */
export function handleRemoteKey(event: KeyboardEvent, { scope, onBack }: RemoteOptions): void {
  const action = remoteAction(event);
  if (!action) return;
  const root = scope();
  const active = document.activeElement;
  const inScope = active instanceof HTMLElement && active !== document.body && root.contains(active);
  if (action === 'back') {
    if (onBack()) event.preventDefault();
    return;
  }
  if (action === 'ok') {
    // Pressed here, now, rather than by the browser's default a moment later: by then the key's
    // own side effects (any key dismisses the idle warning) may have moved focus to another button.
    // With focus nowhere, OK means the screen's primary action.
    event.preventDefault();
    if (!inScope) focusPrimary(root);
    (document.activeElement as HTMLElement | null)?.click();
    return;
  }
  if (inScope && active.dataset.scroll !== undefined && (action === 'up' || action === 'down')) {
    // A long API answer scrolls under the arrows before focus leaves it.
    const step = active.clientHeight * 0.8 * (action === 'up' ? -1 : 1);
    const canScroll =
      action === 'up' ? active.scrollTop > 0 : active.scrollTop + active.clientHeight < active.scrollHeight - 1;
    if (canScroll) {
      event.preventDefault();
      active.scrollTop += step;
      return;
    }
  }
  event.preventDefault(); // arrows must not scroll the page behind a TV's focus
  const next = inScope ? nextFocus(active, action, root) : undefined;
  if (next) next.focus();
  else if (!inScope) focusPrimary(root);
}
