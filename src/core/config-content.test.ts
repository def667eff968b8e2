/** The keys of what the signed-in screen shows: `api_view`, `app`, `app_apis`. */
import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigResult } from './config';

const valid = { issuer: 'https://idp.example', client_id: 'screen-signin' };
const page = new URL('https://screens.example/tv/');
const parse = (file: Record<string, unknown>, query = '') =>
  parseConfig({ ...valid, ...file }, new URLSearchParams(query), page);

function config(result: ConfigResult) {
  if (!result.ok) throw new Error(`expected a config, got ${JSON.stringify(result.problems)}`);
  return result.config;
}
function problems(result: ConfigResult) {
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

describe('api_view', () => {
  it('is auto unless json is asked for, and names anything else', () => {
    expect(config(parse({})).api_view).toBe('auto');
    expect(config(parse({}, 'api_view=json')).api_view).toBe('json');
    expect(problems(parse({ api_view: 'table' }))).toEqual([
      { key: 'api_view', problem: 'must be auto or json, got "table"' },
    ]);
  });
});

describe('app', () => {
  it('takes an https page on another origin, query included (the deployer may pass a room)', () => {
    const c = config(parse({ app: 'https://rooms.example/board?room=4.12' }));
    expect(c.app?.href).toBe('https://rooms.example/board?room=4.12');
  });

  it('takes loopback http for development', () => {
    expect(config(parse({ app: 'http://localhost:4030/' })).app?.origin).toBe('http://localhost:4030');
  });

  it.each([
    ['plain http to another machine', 'http://rooms.example/', /must use https/],
    ['the screen’s own origin', 'https://screens.example/app.html', /another origin than this screen/],
    ['no URL at all', 'rooms', /not an absolute URL/],
    ['a javascript: URL', 'javascript:alert(1)', /must use https/],
  ])('refuses %s', (_what, app, problem) => {
    const [first] = problems(parse({ app }));
    expect(first?.key).toBe('app');
    expect(first?.problem).toMatch(problem);
  });
});

describe('app_apis', () => {
  it('defaults to the origin of api, and to nothing without an api', () => {
    expect(config(parse({ api: 'https://api.example/v1/rooms' })).app_apis).toEqual(['https://api.example']);
    expect(config(parse({})).app_apis).toEqual([]);
  });

  it('reads origins separated by spaces or commas from the URL, and a list from config.json', () => {
    expect(config(parse({}, 'app_apis=https://a.example,%20https://b.example:8443/')).app_apis).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
    expect(config(parse({ app_apis: ['https://a.example', 'http://127.0.0.1:4020'] })).app_apis).toEqual([
      'https://a.example',
      'http://127.0.0.1:4020',
    ]);
  });

  it.each([
    ['a path', 'https://api.example/v1', /is not an origin/],
    ['plain http to another machine', 'http://api.example', /must use https/],
    ['a word', 'api', /is not an absolute URL/],
  ])('refuses %s, naming the entry', (_what, entry, problem) => {
    const [first] = problems(parse({ app_apis: `https://ok.example ${entry}` }));
    expect(first).toEqual({ key: 'app_apis', problem: expect.stringMatching(problem) });
    expect(first?.problem).toContain(entry);
  });
});
