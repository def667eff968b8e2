/**
 * The built-in 10-foot view of the API's answer (no `app`): cards, label/value pairs and JSON, read
 * from across a room at 720p and at 4K, with nothing cut off: what does not fit turns its pages by
 * itself. The answer comes from a content API the test sets (fixtures/app.ts), with a real sign-in.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test, type ContentApi } from './fixtures/app.ts';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A room's day: 16 bookings of an hour from two hours ago, the third one running now. */
function schedule(now: number) {
  const start = now - 2 * 60 * MINUTE - 10 * MINUTE;
  return {
    name: 'Room 4.12',
    items: Array.from({ length: 16 }, (_, i) => ({
      title: i === 5 ? `Review of ${'Analytical-Engine-'.repeat(6)}punch cards` : `Booking ${i + 1}`,
      description: i % 2 ? 'Ada Lovelace' : 'Charles Babbage, Difference Engine No. 2 working group',
      start: iso(start + i * 60 * MINUTE),
      end: iso(start + (i + 1) * 60 * MINUTE),
      ...(i === 0 && { image: 'https://127.0.0.1:1/ada.png' }),
      ...(i === 1 && { image: 'http://127.0.0.1:1/ada.png' }),
    })),
  };
}

const pairs = {
  room: 'Room 4.12',
  seatsFree: 6,
  projector: true,
  lastCleaned: '2026-05-04T07:30:00Z',
  note: `Please leave the room as you found it. ${'Whiteboard markers are in the drawer. '.repeat(8)}`,
  co2_ppm: 612,
  temperature: 21.5,
  booked_by: 'Ada Lovelace',
};

const nested = { room: '4.12', sensors: { co2: 612, doors: ['north', 'south'] }, log: 'x '.repeat(3_000) };

const SIZES = [
  { width: 1280, height: 720 },
  { width: 3840, height: 2160 },
];

async function openView(signIn: (o?: object) => Promise<Page>, contentApi: ContentApi, body: unknown, query = {}) {
  contentApi.answer = { body };
  const tv = await signIn({ clock: true, query: { api: contentApi.url, api_interval: '0', ...query } });
  await expect(tv.getByTestId('api-result')).toBeVisible();
  return tv;
}

/**
 * Nothing cut off: no text wider than its box or outside the screen, the view and Sign out inside
 * the screen, and the pages the view turns by itself (Playwright's clock turns them) cover all of
 * it: no page skips a line, the last reaches the end, every card or pair is wholly on one of them,
 * and then it starts over. Returns how many pages there were.
 */
async function expectNothingCutOff(tv: Page, width: number, height: number): Promise<number> {
  const layout = await tv.evaluate(() => {
    const box = document.querySelector<HTMLElement>('[data-testid=api-result]')!;
    const rect = (el: Element) => el.getBoundingClientRect();
    const texts = Array.from(box.querySelectorAll('*')).filter((el) =>
      Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim()),
    );
    return {
      box: rect(box).toJSON() as DOMRect,
      signOut: rect(document.querySelector('[data-testid=sign-out]')!).toJSON() as DOMRect,
      wide: texts.filter((el) => el.scrollWidth > el.clientWidth + 1 || rect(el).right > innerWidth + 1).length,
      page: document.documentElement.scrollHeight,
    };
  });
  expect(layout.wide, 'text wider than its box or the screen').toBe(0);
  expect(layout.page, 'the page does not grow past the screen').toBeLessThanOrEqual(height);
  for (const r of [layout.box, layout.signOut]) {
    expect(r.left).toBeGreaterThanOrEqual(0);
    expect(r.right).toBeLessThanOrEqual(width);
    expect(r.bottom).toBeLessThanOrEqual(height);
  }

  const result = tv.getByTestId('api-result');
  const snapshot = () =>
    result.evaluate((box) => {
      const b = box.getBoundingClientRect();
      const items = Array.from(box.querySelectorAll('[data-page-item]'));
      return {
        top: box.scrollTop,
        height: box.clientHeight,
        total: box.scrollHeight,
        count: items.length,
        whole: items.flatMap((el, i) => {
          const r = el.getBoundingClientRect();
          return r.top >= b.top - 1 && r.bottom <= b.bottom + 1 ? [i] : [];
        }),
      };
    });
  const tops: number[] = [];
  const whole = new Set<number>();
  let view = await snapshot();
  for (let i = 0; i < 40; i++) {
    tops.push(view.top);
    view.whole.forEach((n) => whole.add(n));
    if (view.top + view.height >= view.total - 1) break;
    await tv.clock.fastForward(8_000);
    await expect.poll(async () => (await snapshot()).top).not.toBe(view.top);
    view = await snapshot();
  }
  expect(view.top + view.height, 'the last page reaches the end').toBeGreaterThanOrEqual(view.total - 1);
  tops.slice(1).forEach((top, i) => {
    expect(top).toBeGreaterThan(tops[i]!);
    expect(top - tops[i]!, 'no page skips a line').toBeLessThanOrEqual(view.height);
  });
  expect(whole.size, 'every card or pair wholly on some page').toBe(view.count);
  if (tops.length > 1) {
    await tv.clock.fastForward(8_000);
    await expect.poll(async () => (await snapshot()).top, 'and then it starts over').toBe(0);
  }
  return tops.length;
}

async function expectNoAxeViolations(tv: Page, what: string) {
  const { violations } = await new AxeBuilder({ page: tv })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  expect(
    violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    what,
  ).toEqual([]);
}

for (const { width, height } of SIZES) {
  test.describe(`${width}×${height}`, () => {
    test('a schedule shows as cards with times and a Now mark, pages through, nothing cut off', async ({
      signIn,
      contentApi,
    }) => {
      const tv = await openView(signIn, contentApi, schedule(Date.now()));
      await tv.setViewportSize({ width, height });
      const result = tv.getByTestId('api-result');
      await expect(result.locator('li')).toHaveCount(16);
      await expect(result).toContainText('Room 4.12');
      await expect(result).toContainText('Booking 16');
      // The heading says who is signed in, not "Sign in".
      await expect(tv.getByRole('heading', { level: 1 })).toHaveText('Signed in as Ada Lovelace');
      // The booking running now is marked; times are the screen's local clock times.
      await expect(result.locator('li').nth(2)).toContainText('Now');
      // (With the day too when it is not today's: run after midnight, the first booking began yesterday.)
      await expect(result.locator('li').nth(0)).toContainText(/\d{1,2}:\d\d\s?(AM|PM)?–([^–]*, )?\d{1,2}:\d\d/);
      // https images only: the http one is not even asked for.
      await expect(result.locator('img')).toHaveCount(1);
      await expect(result.locator('img')).toHaveAttribute('src', 'https://127.0.0.1:1/ada.png');
      await expect(tv.getByText('Updated just now')).toBeVisible();
      expect(await expectNothingCutOff(tv, width, height)).toBeGreaterThan(1);
      await expectNoAxeViolations(tv, 'cards');
    });

    test('a flat object shows as label/value pairs, nothing cut off', async ({ signIn, contentApi }) => {
      const tv = await openView(signIn, contentApi, pairs, { lang: 'de' });
      await tv.setViewportSize({ width, height });
      const result = tv.getByTestId('api-result');
      await expect(result.locator('dt')).toHaveText([
        'Room',
        'Seats free',
        'Projector',
        'Last cleaned',
        'Note',
        'Co2 ppm',
        'Temperature',
        'Booked by',
      ]);
      // Numbers and times in the screen's language (here German).
      await expect(result.locator('dd').nth(6)).toHaveText('21,5');
      await expect(result.locator('dd').nth(3)).toContainText('2026');
      await expectNothingCutOff(tv, width, height);
      await expectNoAxeViolations(tv, 'pairs');
    });

    test('anything else shows as formatted JSON that scrolls through, nothing cut off', async ({
      signIn,
      contentApi,
    }) => {
      const tv = await openView(signIn, contentApi, nested);
      await tv.setViewportSize({ width, height });
      const result = tv.getByTestId('api-result');
      await expect(result).toHaveAttribute('data-view', 'json');
      await expect(result).toContainText('"doors": [');
      expect(await expectNothingCutOff(tv, width, height)).toBeGreaterThan(1);
      await expectNoAxeViolations(tv, 'json');
    });
  });
}

test('api_view=json shows even a schedule as JSON', async ({ signIn, contentApi }) => {
  const tv = await openView(signIn, contentApi, schedule(Date.now()), { api_view: 'json' });
  await expect(tv.getByTestId('api-result')).toContainText('"title": "Booking 1"');
  await expect(tv.getByTestId('api-result').locator('li')).toHaveCount(0);
});

test('a failed call keeps the last good answer with a stale mark and the reason; the age keeps counting', async ({
  signIn,
  contentApi,
}) => {
  contentApi.answer = { body: schedule(Date.now()) };
  const tv = await signIn({ clock: true, query: { api: contentApi.url, api_interval: '60' } });
  const result = tv.getByTestId('api-result');
  await expect(result.locator('li')).toHaveCount(16);
  await expect(tv.getByTestId('api-error')).toHaveCount(0);

  contentApi.answer = { status: 503 };
  await tv.clock.fastForward(2 * MINUTE);
  await expect(tv.getByTestId('api-error')).toContainText('503');
  await expect(tv.getByText('Not up to date')).toBeVisible();
  await expect(result.locator('li')).toHaveCount(16);
  // The age is the good answer's, not the failed call's.
  await expect(tv.getByText('Updated 2 minutes ago')).toBeVisible();
  expect(contentApi.calls.length).toBeGreaterThanOrEqual(2);
  await expectNoAxeViolations(tv, 'stale');

  contentApi.answer = { body: { room: 'Room 4.12', seatsFree: 3 } };
  await tv.clock.fastForward(MINUTE);
  await expect(tv.getByTestId('api-error')).toHaveCount(0);
  await expect(result.locator('dt')).toHaveText(['Room', 'Seats free']);
  await expect(tv.getByText('Updated just now')).toBeVisible();
});
