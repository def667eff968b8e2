/**
 * Reading `config.json` beside index.html, under the same bounds as every other request (timeout,
 * size cap: transport.ts), so a stalled or endless answer cannot hold the screen at "starting".
 */
import { deadline } from './clock';
import type { ConfigProblem } from './config';
import { AppError } from './errors';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS, readCapped } from './body';
import type { Net } from './transport';

export interface ConfigFile {
  file?: Record<string, unknown>;
  problem?: ConfigProblem;
}

const KEY = 'config.json';

/**
 * Missing (404) means "all from the URL"; anything else that is not a JSON object is a problem
 * worth naming, because the deployer put the file there for a reason. Rejects only on an abort.
 */
export async function loadConfigFile(
  net: Pick<Net, 'fetch' | 'clock' | 'timeoutMs' | 'maxBytes'>,
  url: string,
  signal?: AbortSignal,
): Promise<ConfigFile> {
  const timeoutMs = net.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = deadline(net.clock, timeoutMs, signal);
  const failed = (problem: ConfigProblem['problem'], value?: string): ConfigFile => {
    if (signal?.aborted) throw signal.reason;
    if (timer.timedOut()) return { problem: { key: KEY, problem: 'file_timeout', value: String(timeoutMs / 1000) } };
    return { problem: { key: KEY, problem, value } };
  };
  try {
    let res: Response;
    try {
      res = await net.fetch(url, { cache: 'no-store', signal: timer.signal });
    } catch {
      return failed('file_unreachable');
    }
    if (res.status === 404 || !res.ok) {
      await res.body?.cancel();
      return res.status === 404 ? {} : failed('file_status', String(res.status));
    }
    const max = net.maxBytes ?? DEFAULT_MAX_BYTES;
    let text: string;
    try {
      text = await readCapped(res, max, 'config', url);
    } catch (err) {
      const tooLarge = err instanceof AppError && err.reason === 'too_large';
      return tooLarge ? failed('file_too_large', String(max)) : failed('file_unreachable');
    }
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json)) return { file: json as Record<string, unknown> };
    } catch {
      // not JSON: named below
    }
    return failed('file_not_object');
  } finally {
    timer.done();
  }
}

/** Problems that may go away by themselves (the server was down or slow): tried again with backoff. */
export function isPassing(problem: ConfigProblem): boolean {
  if (problem.key !== KEY) return false;
  if (problem.problem === 'file_unreachable' || problem.problem === 'file_timeout') return true;
  const status = Number(problem.value);
  return problem.problem === 'file_status' && (status >= 500 || status === 429);
}
