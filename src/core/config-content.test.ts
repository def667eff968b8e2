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
    expect(problems(parse({ api_view: 'table' }))).toEqual([{ key: 'api_view', problem: 'not_view', value: 'table' }]);
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
    ['plain http to another machine', 'http://rooms.example/', 'not_https'],
    ['the screen’s own origin', 'https://screens.example/app.html', 'same_origin'],
    ['no URL at all', 'rooms', 'not_absolute_url'],
    ['a javascript: URL', 'javascript:alert(1)', 'not_https'],
  ])('refuses %s', (_what, app, problem) => {
    const [first] = problems(parse({ app }));
    expect(first?.key).toBe('app');
    expect(first?.problem).toBe(problem);
  });

  it('refuses an app from a link when config.json names the issuer: a link may not frame another app', () => {
    expect(problems(parse({ app: 'https://rooms.example/' }, 'app=https://evil.example/'))).toEqual([
      { key: 'app', problem: 'foreign_origin', value: 'https://evil.example' },
    ]);
    expect(config(parse({ app: 'https://rooms.example/' }, 'app=https://rooms.example/board')).app?.href).toBe(
      'https://rooms.example/board',
    );
  });
});

describe('app_apis', () => {
  it('defaults to the origin of api, and to nothing without an api', () => {
    expect(config(parse({ api: 'https://api.example/v1/rooms' })).app_apis).toEqual(['https://api.example']);
    expect(config(parse({})).app_apis).toEqual([]);
  });

  it('reads origins separated by spaces or commas from the URL, and a list from config.json', () => {
    const fromUrl = parseConfig(
      { client_id: 'screen-signin' },
      new URLSearchParams('issuer=https://idp.example&app_apis=https://a.example,%20https://b.example:8443/'),
      page,
    );
    expect(config(fromUrl).app_apis).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(config(parse({ app_apis: ['https://a.example', 'http://127.0.0.1:4020'] })).app_apis).toEqual([
      'https://a.example',
      'http://127.0.0.1:4020',
    ]);
  });

  it.each([
    ['a path', 'https://api.example/v1', 'not_origin', 'https://api.example/v1'],
    ['plain http to another machine', 'http://api.example', 'not_https', 'http:'],
    ['a word', 'api', 'not_absolute_url', 'api'],
  ])('refuses %s, naming the entry', (_what, entry, problem, value) => {
    const [first] = problems(parse({ app_apis: `https://ok.example ${entry}` }));
    expect(first).toEqual({ key: 'app_apis', problem, value });
  });

  it('refuses origins a link adds when config.json names the issuer: the app may reach only what config.json allows', () => {
    const file = { api: 'https://api.example/v1', app_apis: ['https://api.example', 'https://b.example'] };
    expect(config(parse(file, 'app_apis=https://b.example')).app_apis).toEqual(['https://b.example']);
    expect(problems(parse(file, 'app_apis=https://evil.example'))).toEqual([
      { key: 'app_apis', problem: 'foreign_origin', value: 'https://evil.example' },
    ]);
  });
});
