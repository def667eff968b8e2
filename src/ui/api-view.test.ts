import { describe, expect, it } from 'vitest';
import { age, cardState, formatValue, formatWhen, label, nextPage, viewOf, type Card } from './api-view';

const at = (iso: string) => Date.parse(iso);

describe('viewOf', () => {
  it('draws an object holding one array of titled objects as cards, with detail, times and https images', () => {
    const view = viewOf({
      room: 'Room 4.12',
      name: 'Fourth floor',
      served_at: '2026-05-04T12:00:00Z',
      items: [
        {
          title: 'Quarterly planning',
          description: 'Ada Lovelace',
          start: '2026-05-04T14:00:00Z',
          end: '2026-05-04T15:00:00Z',
          image: 'https://img.example/ada.png',
        },
        { name: 'Stand-up', subtitle: 'Analytical Engine', time: '2026-05-04T16:30:00+02:00' },
      ],
    });
    expect(view).toEqual({
      kind: 'list',
      caption: 'Fourth floor',
      cards: [
        {
          title: 'Quarterly planning',
          detail: 'Ada Lovelace',
          start: at('2026-05-04T14:00:00Z'),
          end: at('2026-05-04T15:00:00Z'),
          image: 'https://img.example/ada.png',
        },
        { title: 'Stand-up', detail: 'Analytical Engine', start: at('2026-05-04T14:30:00Z') },
      ],
    });
  });

  it('draws a bare array of titled objects as cards', () => {
    expect(viewOf([{ title: 'A' }, { name: 'B', detail: 'b' }])).toEqual({
      kind: 'list',
      cards: [{ title: 'A' }, { title: 'B', detail: 'b' }],
    });
  });

  it('keeps only https images: no http, no data:, no javascript:, no relative path', () => {
    const images = ['http://img.example/a.png', 'data:image/png;base64,AAAA', 'javascript:alert(1)', '/a.png'];
    const view = viewOf(images.map((image) => ({ title: 't', image })));
    expect(view.kind === 'list' && view.cards.map((c) => c.image)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('takes only ISO 8601 times: words and bare clock times are not times', () => {
    const view = viewOf([
      { title: 'a', start: 'tomorrow' },
      { title: 'b', start: '14:00' },
      { title: 'c', start: '2026-05-04' },
    ]);
    expect(view.kind === 'list' && view.cards.map((c) => c.start)).toEqual([undefined, undefined, at('2026-05-04')]);
  });

  it('draws a flat object as label/value pairs, in the API’s order', () => {
    expect(viewOf({ room: '4.12', seatsFree: 6, projector: true, note: null })).toEqual({
      kind: 'pairs',
      pairs: [
        { key: 'room', label: 'Room', value: '4.12' },
        { key: 'seatsFree', label: 'Seats free', value: 6 },
        { key: 'projector', label: 'Projector', value: true },
        { key: 'note', label: 'Note', value: null },
      ],
    });
  });

  it.each([
    ['an array with an untitled object', [{ title: 'a' }, { id: 2 }]],
    ['an array of strings', ['a', 'b']],
    ['an empty array', []],
    ['an object with two arrays', { a: [{ title: 'x' }], b: [{ title: 'y' }] }],
    ['an object with a nested object', { room: '4.12', owner: { name: 'Ada' } }],
    ['an empty object', {}],
    ['a number', 42],
  ])('draws %s as formatted JSON', (_what, data) => {
    expect(viewOf(data)).toEqual({ kind: 'json', text: JSON.stringify(data, null, 2) });
  });

  it('shows text that is not JSON as it came, and forces JSON with api_view=json', () => {
    expect(viewOf('<b>hi</b>')).toEqual({ kind: 'json', text: '<b>hi</b>' });
    expect(viewOf([{ title: 'A' }], 'json')).toEqual({ kind: 'json', text: '[\n  {\n    "title": "A"\n  }\n]' });
  });
});

describe('label', () => {
  it.each([
    ['served_at', 'Served at'],
    ['seatsFree', 'Seats free'],
    ['token-type', 'Token type'],
    ['CO2', 'Co2'],
  ])('%s reads as %s', (key, expected) => expect(label(key)).toBe(expected));
});

describe('cardState and formatWhen', () => {
  const meeting: Card = { title: 'm', start: at('2026-05-04T14:00:00Z'), end: at('2026-05-04T15:00:00Z') };

  it('tells past, now and next apart by the clock', () => {
    expect(cardState(meeting, at('2026-05-04T13:59:00Z'))).toBe('next');
    expect(cardState(meeting, at('2026-05-04T14:00:00Z'))).toBe('now');
    expect(cardState(meeting, at('2026-05-04T15:00:00Z'))).toBe('past');
    expect(cardState({ title: 'x' }, 0)).toBeUndefined();
  });

  it('shows today’s times alone, in the screen’s language, and the day for another day', () => {
    const today = at('2026-05-04T09:00:00Z');
    expect(formatWhen(meeting, 'en-GB', today, 'UTC')).toBe('14:00–15:00');
    expect(formatWhen(meeting, 'en-US', today, 'UTC')).toMatch(/^2:00\sPM–3:00\sPM$/);
    expect(formatWhen(meeting, 'ar', today, 'UTC')).toContain('م');
    expect(formatWhen(meeting, 'en-GB', at('2026-05-05T09:00:00Z'), 'UTC')).toBe('Mon 4 May, 14:00–15:00');
  });

  it('follows the screen’s time zone', () => {
    expect(formatWhen(meeting, 'de', at('2026-05-04T09:00:00Z'), 'Europe/Berlin')).toBe('16:00–17:00');
  });
});

describe('formatValue', () => {
  it('formats numbers and date-times in the screen’s language and leaves other text alone', () => {
    expect(formatValue(1234.5, 'de')).toBe('1.234,5');
    expect(formatValue('2026-05-04T14:00:00Z', 'en-GB', 'UTC')).toBe('4 May 2026, 14:00');
    expect(formatValue('4.12', 'de')).toBe('4.12');
    expect(formatValue(null, 'en')).toBe('—');
    expect(formatValue(false, 'en')).toBe('false');
  });
});

describe('age', () => {
  it('counts whole minutes, then whole hours', () => {
    expect(age(0, 59_999)).toEqual({ unit: 'now', count: 0 });
    expect(age(0, 120_000)).toEqual({ unit: 'minutes', count: 2 });
    expect(age(0, 59 * 60_000 + 59_999)).toEqual({ unit: 'minutes', count: 59 });
    expect(age(0, 3 * 3_600_000 + 1)).toEqual({ unit: 'hours', count: 3 });
    expect(age(10_000, 0)).toEqual({ unit: 'now', count: 0 });
  });
});

describe('nextPage', () => {
  // Five items of 100 px in a box 250 px high: 500 px in all.
  const items = [0, 100, 200, 300, 400].map((top) => ({ top, bottom: top + 100 }));
  const page = (top: number, height = 250, list = items) => nextPage({ top, height, total: 500 }, list);

  it('moves the first item cut at the bottom to the top of the next page', () => {
    expect(page(0)).toBe(200);
  });

  it('stops at the end of the content, then starts over', () => {
    expect(page(200)).toBe(250);
    expect(page(250)).toBe(0);
  });

  it('moves a whole box-height through an item taller than the box', () => {
    expect(page(0, 250, [{ top: 0, bottom: 500 }])).toBe(250);
  });

  it('stays at the top when everything fits', () => {
    expect(nextPage({ top: 0, height: 600, total: 500 }, items)).toBe(0);
  });
});
