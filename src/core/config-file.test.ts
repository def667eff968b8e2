import { describe, expect, it } from 'vitest';
import { fakeIdp, hang, json, networkDown, text, watch } from '../testing/fake-idp';
import { isPassing, loadConfigFile } from './config-file';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from './body';

const FILE = 'http://127.0.0.1:4000/config.json';

function serve(...answers: Parameters<ReturnType<typeof fakeIdp>['queue']>[1][]) {
  const idp = fakeIdp();
  idp.queue(FILE, ...answers);
  const seen: RequestInit[] = [];
  const net = {
    clock: idp.clock,
    fetch: ((input: RequestInfo | URL, init: RequestInit = {}) => {
      seen.push(init);
      return idp.fetch(input, init);
    }) as typeof fetch,
  };
  return { idp, net, seen };
}

describe('loadConfigFile', () => {
  it('returns the object in config.json and asks past the cache', async () => {
    const { net, seen } = serve(json({ issuer: 'https://idp.example' }));
    expect(await loadConfigFile(net, FILE)).toEqual({ file: { issuer: 'https://idp.example' } });
    expect(seen[0]!.cache).toBe('no-store');
  });

  it('treats a missing file (404) as empty: all from the URL', async () => {
    expect(await loadConfigFile(serve(text('Not found', 404)).net, FILE)).toEqual({});
  });

  it('names invalid JSON as a problem', async () => {
    const result = await loadConfigFile(serve(text('{ issuer: ')).net, FILE);
    expect(result).toEqual({ problem: { key: 'config.json', problem: 'file_not_object' } });
  });

  it.each(['[1, 2]', 'null', '"issuer"', '42'])('names JSON that is not an object as a problem (%s)', async (body) => {
    const result = await loadConfigFile(serve(text(body)).net, FILE);
    expect(result.file).toBeUndefined();
    expect(result.problem).toEqual({ key: 'config.json', problem: 'file_not_object' });
  });

  it('names a network failure as a problem', async () => {
    const result = await loadConfigFile(serve(networkDown).net, FILE);
    expect(result).toEqual({ problem: { key: 'config.json', problem: 'file_unreachable' } });
  });

  it('names another HTTP status as a problem with the status', async () => {
    const result = await loadConfigFile(serve(text('oops', 500)).net, FILE);
    expect(result.problem).toEqual({ key: 'config.json', problem: 'file_status', value: '500' });
  });

  it('gives up on a file that never arrives after the same 15 s as any request, naming the limit', async () => {
    const { idp, net } = serve(hang);
    const box = watch(loadConfigFile(net, FILE));
    await idp.clock.advance(DEFAULT_TIMEOUT_MS - 1);
    expect(box.outcome).toBeUndefined();
    await idp.clock.advance(1);
    expect(box.outcome).toEqual({
      ok: true,
      value: { problem: { key: 'config.json', problem: 'file_timeout', value: String(DEFAULT_TIMEOUT_MS / 1000) } },
    });
  });

  it('refuses a file larger than the size cap of every answer, naming the cap', async () => {
    const huge = JSON.stringify({ title: 'x'.repeat(DEFAULT_MAX_BYTES) });
    const result = await loadConfigFile(serve(text(huge)).net, FILE);
    expect(result).toEqual({
      problem: { key: 'config.json', problem: 'file_too_large', value: String(DEFAULT_MAX_BYTES) },
    });
  });

  it('rejects with the reason when the caller aborts, rather than naming a problem', async () => {
    const { net } = serve(hang);
    const stop = new AbortController();
    const loading = loadConfigFile(net, FILE, stop.signal);
    stop.abort(new Error('stopped'));
    await expect(loading).rejects.toThrow('stopped');
  });
});

describe('isPassing', () => {
  it.each([
    [{ key: 'config.json', problem: 'file_unreachable' }, true],
    [{ key: 'config.json', problem: 'file_timeout', value: '15' }, true],
    [{ key: 'config.json', problem: 'file_status', value: '503' }, true],
    [{ key: 'config.json', problem: 'file_status', value: '429' }, true],
    [{ key: 'config.json', problem: 'file_status', value: '403' }, false],
    [{ key: 'config.json', problem: 'file_not_object' }, false],
    [{ key: 'config.json', problem: 'file_too_large', value: '65536' }, false],
    [{ key: 'issuer', problem: 'missing' }, false],
  ] as const)('%o may pass by itself: %s', (problem, passing) => {
    expect(isPassing(problem)).toBe(passing);
  });
});
