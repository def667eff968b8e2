/**
 * Limits on what the network may send back: how long an answer may take and how large it may be.
 * Apart from transport.ts (the protocol's door, with oauth4webapi) so that reading config.json
 * (config-file.ts) and the diagnosis share the same limits without depending on the protocol code.
 */
import { AppError, originOf, where, type Endpoint } from './errors';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 64 * 1024;

/** The body as text, refused once it passes `max` bytes (by Content-Length or while streaming). */
export async function readCapped(res: Response, max: number, endpoint: Endpoint, url: string): Promise<string> {
  const what = where(endpoint, url);
  const facts = { endpoint, origin: originOf(url) };
  const tooLarge = () =>
    new AppError('bad_response', {
      reason: 'too_large',
      facts: { ...facts, max_bytes: max },
      details: `${what}: body larger than ${max} bytes`,
    });
  if (Number(res.headers.get('content-length')) > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return res.text();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (cause) {
      // The connection dropped in the middle of the answer: a network failure, worth another try.
      throw new AppError('network', {
        reason: 'cut_off',
        facts,
        cause,
        details: `${what}: the answer was cut off`,
      });
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
