import { describe, expect, it } from 'vitest';
import { CONFIG_PROBLEMS, parseConfig } from '../core/config';
import { AppError, ERROR_CODES, ERROR_REASONS, type ErrorFacts } from '../core/errors';
import { toAppError } from '../core/oauth-errors';
import { NOTICE_CODES } from '../session/notice';
import { corsBlocked, fakeIdp, networkDown, oauthFailure, rejection, sendThroughDoor } from '../testing/fake-idp';
import ar from './ar';
import de from './de';
import screen, { type Messages } from './en';
import enExplain from './en-explain';
import es from './es';
import fr from './fr';
import ja from './ja';
import { explainError, explainNotice, explainProblem } from './explain';

/** English as the screen has it once explain.ts has loaded: its words and its explanations. */
const en: Messages = { ...screen, ...enExplain };
const CATALOGUES: Record<string, Messages> = { en, de, fr, es, ja, ar };
const TOKEN = 'https://idp.example/token';

/** Every key the UI builds from a code, derived from the core's own lists: a new code without words fails here. */
const CODED_KEYS = [
  ...ERROR_CODES.flatMap((c) => [`error_${c}`, `explain_${c}`]),
  ...ERROR_REASONS.map((r) => `reason_${r}`),
  ...NOTICE_CODES.map((n) => `notice_${n}`),
  ...CONFIG_PROBLEMS.map((p) => `config_${p}`),
];

const ALL_FACTS: ErrorFacts = {
  endpoint: 'token',
  origin: 'https://idp.example',
  app_origin: 'https://screens.example.com',
  client_id: 'screen-signin',
  scope: 'openid tv:watch',
  status: 503,
  oauth_error: 'insufficient_scope',
};

const ctx = { endpoint: 'device_authorization', client_id: 'screen-signin', scope: 'openid tv:watch' } as const;

describe('every coded message exists in every catalogue', () => {
  it.each(Object.entries(CATALOGUES))(
    '%s has words for every error code, reason, notice and config problem',
    (lang, messages) => {
      const table = messages as unknown as Record<string, unknown>;
      for (const key of CODED_KEYS) {
        expect(typeof table[key], `${lang}.${key}`).toBe('string');
        expect((table[key] as string).trim(), `${lang}.${key}`).not.toBe('');
      }
    },
  );

  it.each(Object.entries(CATALOGUES))(
    '%s leaves no placeholder unfilled when the facts are there',
    (lang, messages) => {
      for (const code of ERROR_CODES) {
        const text = explainError(messages, new AppError(code, { facts: ALL_FACTS }));
        expect(text, `${lang} ${code}`).not.toMatch(/\{\w+\}/);
      }
      for (const reason of ERROR_REASONS) {
        const text = explainError(messages, new AppError('http', { reason, facts: ALL_FACTS }));
        expect(text, `${lang} ${reason}`).not.toMatch(/\{\w+\}/);
      }
      for (const problem of CONFIG_PROBLEMS) {
        expect(explainProblem(messages, { key: 'issuer', problem, value: 'x' }), `${lang} ${problem}`).not.toMatch(
          /\{\w+\}/,
        );
      }
      for (const code of NOTICE_CODES) {
        const error = new AppError('invalid_grant');
        expect(explainNotice(messages, { code, error }), `${lang} ${code}`).not.toMatch(/\{\w+\}/);
      }
    },
  );
});

describe('explainError: the core’s facts in the screen’s words', () => {
  it('names the IdP origin, the app origin and the client for a CORS refusal, in English and in Japanese', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, corsBlocked);
    const error = await rejection(sendThroughDoor(idp, TOKEN));
    expect(explainError(en, error)).toBe(
      `The server at https://idp.example did not allow this screen's address (http://127.0.0.1:4000). Add http://127.0.0.1:4000 to the allowed web origins (CORS) of client "screen-signin" in the identity provider.`,
    );
    const japanese = explainError(ja, error);
    for (const fact of ['https://idp.example', 'http://127.0.0.1:4000', 'screen-signin'])
      expect(japanese).toContain(fact);
    expect(japanese).toContain('オリジン');
    expect(japanese).not.toContain('did not allow');
  });

  it('names Local Network Access and the screen’s public origin when a private IdP is out of reach', async () => {
    const idp = fakeIdp();
    idp.net = { ...idp.net, appOrigin: 'https://screens.example.com' };
    idp.queue('https://192.168.1.20/token', networkDown);
    const text = explainError(en, await rejection(sendThroughDoor(idp, 'https://192.168.1.20/token')));
    expect(text).toContain('local network');
    expect(text).toContain('https://screens.example.com');
    expect(text).toContain('https://192.168.1.20');
  });

  it('says a plain network failure is about the connection, naming the server', async () => {
    const idp = fakeIdp();
    idp.queue(TOKEN, networkDown);
    const text = explainError(en, await rejection(sendThroughDoor(idp, TOKEN)));
    expect(text).toBe("Cannot reach https://idp.example. Check the screen's network connection.");
  });

  it('says to register a public client with the device grant for invalid_client', async () => {
    const text = explainError(en, toAppError(await oauthFailure({ error: 'invalid_client' }, 401), ctx));
    expect(text).toContain('"screen-signin"');
    expect(text).toMatch(/public client/);
    expect(text).toMatch(/device authorization grant/);
  });

  it('says to enable the device grant for unauthorized_client', async () => {
    const text = explainError(en, toAppError(await oauthFailure({ error: 'unauthorized_client' }), ctx));
    expect(text).toMatch(/Enable the device code grant/);
  });

  it('names the refused scopes for invalid_scope', async () => {
    const text = explainError(en, toAppError(await oauthFailure({ error: 'invalid_scope' }), ctx));
    expect(text).toContain('"openid tv:watch"');
    expect(text).toMatch(/scope setting/);
  });

  it('says the phone declined for access_denied, and that the sign-in is no longer valid for invalid_grant', async () => {
    expect(explainError(en, toAppError(await oauthFailure({ error: 'access_denied' }), ctx))).toMatch(/declined/);
    expect(explainError(en, toAppError(await oauthFailure({ error: 'invalid_grant' }), ctx))).toMatch(
      /revoked or has expired/,
    );
  });

  it('keeps a hostile error and error_description out of the explanation', async () => {
    const raw = await oauthFailure({
      error: '<img src=x onerror=alert(1)>'.repeat(5),
      error_description: '<script>alert(1)</script>'.repeat(400),
    });
    expect(explainError(en, toAppError(raw, ctx))).toBe('The identity provider refused the request.');
  });

  it('names every config problem with its key, in the order found', () => {
    const result = parseConfig({ issuer: 'idp.example' }, new URLSearchParams('theme=blue'));
    if (result.ok) throw new Error('expected problems');
    const error = new AppError('config', { facts: { problems: result.problems } });
    expect(explainError(en, error)).toBe(
      'Setting "issuer" "idp.example" is not an absolute URL. Setting "client_id" is missing. Setting "theme" must be dark or light, got "blue".',
    );
    expect(explainError(de, error)).toContain('„client_id“');
  });

  it('falls back to English for a message a catalogue lacks, and English’s screen words carry none', () => {
    expect(explainError(screen, new AppError('access_denied'))).toBe('Sign-in was declined on the phone.');
    const partial = { ...fr, reason_busy: '' };
    expect(explainError(partial, new AppError('http', { reason: 'busy', facts: ALL_FACTS }))).toBe(
      'The server at https://idp.example is busy or failing (HTTP 503).',
    );
  });
});

describe('explainNotice', () => {
  it('says why a session ended by itself', () => {
    expect(explainNotice(en, { code: 'max_session', seconds: 28_800 })).toContain('time limit');
    expect(explainNotice(en, { code: 'idle', seconds: 900 })).toContain('nobody used the screen');
    expect(explainNotice(en, { code: 'revoked' })).toContain('no longer valid');
    expect(explainNotice(ja, { code: 'idle' })).toBe(ja.notice_idle);
  });

  it('explains the error that ended a session otherwise', () => {
    const error = new AppError('network', { reason: 'offline', facts: { origin: 'https://idp.example' } });
    expect(explainNotice(en, { code: 'failed', error })).toBe(
      "Signed out: Cannot reach https://idp.example. Check the screen's network connection.",
    );
  });
});
