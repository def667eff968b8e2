/**
 * The 10-foot view of an API's answer, as data: which shape to draw (cards, label/value pairs, or
 * JSON) and the text of each part. Pure and DOM-free, so every shape is unit-tested; the component
 * (ApiView.svelte) only draws it. Nothing from the API is ever treated as HTML, and only `https:`
 * images are kept (the CSP's img-src decides whether they load).
 */

export interface Card {
  title: string;
  detail?: string;
  /** Epoch ms, from ISO 8601 `start`/`time`/`when` and `end`. */
  start?: number;
  end?: number;
  image?: string;
}

export type Scalar = string | number | boolean | null;

export type View =
  | { kind: 'list'; caption?: string; cards: Card[] }
  | { kind: 'pairs'; pairs: { key: string; label: string; value: Scalar }[] }
  | { kind: 'json'; text: string };

const TITLE = ['title', 'name', 'summary', 'subject', 'label'];
const DETAIL = ['detail', 'description', 'subtitle'];
const START = ['start', 'time', 'when'];
const END = ['end'];
const IMAGE = ['image', 'image_url', 'picture', 'thumbnail'];

/** A date with a time, or a date alone (ISO 8601 / RFC 3339); "tomorrow" or "14:00" is not a time. */
const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].indexOf(typeof value) >= 0;

function text(item: Obj, keys: string[]): string | undefined {
  for (const key of keys) {
    const value = item[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : ms;
}

const firstTime = (item: Obj, keys: string[]) => keys.map((k) => parseTime(item[k])).find((t) => t !== undefined);

function image(item: Obj): string | undefined {
  for (const key of IMAGE) {
    const value = item[key];
    if (typeof value !== 'string') continue;
    try {
      const url = new URL(value);
      if (url.protocol === 'https:') return url.href;
    } catch {
      // not a URL: no image
    }
  }
  return undefined;
}

function card(item: unknown): Card | undefined {
  if (!isObject(item)) return undefined;
  const title = text(item, TITLE);
  if (title === undefined) return undefined;
  const detail = text(item, DETAIL);
  const start = firstTime(item, START);
  const end = firstTime(item, END);
  const picture = image(item);
  return {
    title,
    ...(detail !== undefined && { detail }),
    ...(start !== undefined && { start }),
    ...(end !== undefined && end !== start && { end }),
    ...(picture !== undefined && { image: picture }),
  };
}

function cards(list: unknown[]): Card[] | undefined {
  const out = list.map(card);
  return list.length > 0 && out.every((c) => c !== undefined) ? (out as Card[]) : undefined;
}

/** "served_at" and "servedAt" read as "Served at". */
export function label(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/**
 * The shape to draw: an array of titled objects (or an object holding exactly one such array,
 * like `{ items: [...] }`) as cards, a flat object as pairs, anything else as JSON.
 */
export function viewOf(data: unknown, mode: 'auto' | 'json' = 'auto'): View {
  const json: View = { kind: 'json', text: typeof data === 'string' ? data : JSON.stringify(data, null, 2) };
  if (mode === 'json') return json;
  if (Array.isArray(data)) {
    const list = cards(data);
    return list ? { kind: 'list', cards: list } : json;
  }
  if (!isObject(data)) return json;
  const keys = Object.keys(data);
  const arrays = keys.filter((k) => Array.isArray(data[k]));
  if (arrays.length === 1) {
    const list = cards(data[arrays[0]!] as unknown[]);
    if (list) return { kind: 'list', caption: text(data, TITLE), cards: list };
  }
  if (keys.length > 0 && keys.every((k) => isScalar(data[k])))
    return { kind: 'pairs', pairs: keys.map((key) => ({ key, label: label(key), value: data[key] as Scalar })) };
  return json;
}

/** Where a card stands against `now`: on now, over, or still to come; undefined without times. */
export function cardState(c: Card, now: number): 'past' | 'now' | 'next' | undefined {
  if (c.start === undefined) return undefined;
  if (c.end !== undefined && c.end <= now) return 'past';
  if (c.start <= now && (c.end === undefined || now < c.end)) return c.end === undefined ? 'past' : 'now';
  return 'next';
}

const sameDay = (a: number, b: number, timeZone?: string) => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return f.format(a) === f.format(b);
};

/**
 * A card's time in the screen's language: "14:00–15:00" today, with the weekday and date on
 * another day. (Intl's formatRange would join them more idiomatically, but TV engines lack it.)
 */
export function formatWhen(c: Card, lang: string, now: number, timeZone?: string): string | undefined {
  if (c.start === undefined) return undefined;
  const time: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit', timeZone };
  const day: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', ...time };
  const start = new Intl.DateTimeFormat(lang, sameDay(c.start, now, timeZone) ? time : day).format(c.start);
  if (c.end === undefined) return start;
  const end = new Intl.DateTimeFormat(lang, sameDay(c.start, c.end, timeZone) ? time : day).format(c.end);
  return `${start}–${end}`;
}

/** A pair's value for the screen: numbers and ISO times through Intl, the rest as the API wrote it. */
export function formatValue(value: Scalar, lang: string, timeZone?: string): string {
  if (value === null) return '—';
  if (typeof value === 'number') return new Intl.NumberFormat(lang).format(value);
  const time = parseTime(value);
  if (time !== undefined && typeof value === 'string' && /T|\s/.test(value)) {
    // Not dateStyle/timeStyle: Chromium 76+, and TV engines ignore what they do not know.
    const options = { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' } as const;
    return new Intl.DateTimeFormat(lang, { ...options, timeZone }).format(time);
  }
  return String(value);
}

/** How long ago the answer came: whole minutes under an hour, else whole hours. */
export function age(at: number, now: number): { unit: 'now' | 'minutes' | 'hours'; count: number } {
  const minutes = Math.floor(Math.max(0, now - at) / 60_000);
  if (minutes < 1) return { unit: 'now', count: 0 };
  if (minutes < 60) return { unit: 'minutes', count: minutes };
  return { unit: 'hours', count: Math.floor(minutes / 60) };
}

/**
 * The scroll position of the next page of a box too small for its content: the first item not
 * wholly in view moves to the top (so no item is cut at the top of a page), or a whole box-height
 * when one item is taller than the box; after the last page, back to the start.
 */
export function nextPage(
  box: { top: number; height: number; total: number },
  items: { top: number; bottom: number }[],
): number {
  const end = box.total - box.height;
  if (end <= 1 || box.top >= end - 1) return 0;
  const cut = items.find((item) => item.bottom > box.top + box.height + 1);
  const next = cut && cut.top > box.top + 1 ? cut.top : box.top + box.height;
  return Math.min(next, end);
}
