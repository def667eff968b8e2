/**
 * What the operator overlay (config `debug`) shows besides the config: the IdP's endpoints and the
 * last requests, newest first. Built only from `RequestRecord`s, which carry no body, query or
 * header, so no token, device code or refresh token can reach the screen through it.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { RequestRecord } from './transport';

export const DEBUG_LOG_SIZE = 20;

export interface DebugLog {
  metadata?: Pick<
    AuthorizationServer,
    'issuer' | 'device_authorization_endpoint' | 'token_endpoint' | 'revocation_endpoint' | 'userinfo_endpoint'
  >;
  /** Newest first, at most DEBUG_LOG_SIZE. */
  requests: RequestRecord[];
  /** What the screen chose to do differently, and why (one per code). */
  notes?: DebugNote[];
}

/** A choice the screen made by itself that an operator should know of, e.g. Bearer instead of DPoP. */
export interface DebugNote {
  code: 'dpop_off';
  /** A technical line, like an error's details. */
  details: string;
}

export const emptyDebugLog = (): DebugLog => ({ requests: [] });

export function withRequest(log: DebugLog, record: RequestRecord): DebugLog {
  return { ...log, requests: [record, ...log.requests].slice(0, DEBUG_LOG_SIZE) };
}

/** Adds a note, replacing an earlier one with the same code (each new code would repeat it). */
export function withNote(log: DebugLog, note: DebugNote): DebugLog {
  return { ...log, notes: [...(log.notes ?? []).filter((n) => n.code !== note.code), note] };
}

export function withMetadata(log: DebugLog, as: AuthorizationServer): DebugLog {
  const { issuer, device_authorization_endpoint, token_endpoint, revocation_endpoint, userinfo_endpoint } = as;
  return {
    ...log,
    metadata: { issuer, device_authorization_endpoint, token_endpoint, revocation_endpoint, userinfo_endpoint },
  };
}

/** The config as the overlay lists it: URLs as text, every key shown (none of them is a secret). */
export function describeConfig(config: object): [string, string][] {
  return Object.entries(config)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, v instanceof URL ? v.href : String(v)]);
}
