/**
 * The words for an error, a config problem or a session-end notice, from the catalogue in force.
 * The core hands over codes and facts (src/core/errors.ts); this is the one place they become a
 * sentence, so every one of them can be said in every language. Loaded at boot, apart from the
 * first paint's bytes (i18n.svelte.ts).
 */
import type { ConfigProblem } from '../core/config';
import type { AppError } from '../core/errors';
import type { Notice } from '../session/notice';
import en, { type ExplanationKey, type Explanations } from './en-explain';
import { format } from './language';

/** The catalogue in force: English's screen words carry no explanations, the others carry all. */
type Catalogue = Partial<Explanations> & { readonly [key: string]: unknown };

const say = (messages: Catalogue, key: ExplanationKey, params: Record<string, string | number>) =>
  format(messages[key] || en[key], params);

export function explainProblem(messages: Catalogue, problem: ConfigProblem): string {
  return say(messages, `config_${problem.problem}`, { key: problem.key, value: problem.value ?? '' });
}

/** The explanation under the headline: the reason's words when there is one, else the code's. */
export function explainError(messages: Catalogue, error: AppError): string {
  const { facts } = error;
  if (error.code === 'config' && facts.problems?.length) {
    return facts.problems.map((p) => explainProblem(messages, p)).join(' ');
  }
  const key: ExplanationKey = error.reason ? `reason_${error.reason}` : `explain_${error.code}`;
  // A fact an error lacks reads as empty rather than as a raw "{placeholder}".
  return say(messages, key, {
    origin: facts.origin ?? '',
    app_origin: facts.app_origin ?? '',
    client_id: facts.client_id ?? '',
    scope: facts.scope ?? '',
    status: facts.status ?? '',
    oauth_error: facts.oauth_error ?? '',
  });
}

export function explainNotice(messages: Catalogue, notice: Notice): string {
  return say(messages, `notice_${notice.code}`, {
    reason: notice.error ? explainError(messages, notice.error) : '',
  });
}
