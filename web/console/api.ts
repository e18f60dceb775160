/// <reference lib="dom" />
/**
 * The staff API client: same-origin fetch with the bearer token, `If-Match` for changes and the
 * `ETag` of reads, and errors turned into one `ApiError` the views can show.
 */
import { label, t } from './i18n.ts';

/** An error answer of the staff API (docs/openapi.json: 400, 401, 403, 404, 409, 428, 503…). */
export interface ProblemBody {
  error?: string;
  message?: string;
  issues?: { path: string; message: string }[];
  current?: number;
  status?: string;
  /** `409 already_linked`: the case and the problem it is linked to. */
  caseId?: string;
  problemId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(problem.message ?? problem.error ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

export interface ApiResult<T> {
  data: T;
  /** The resource version from `ETag: "<n>"`, where the answer has one. */
  version: number | undefined;
}

interface Options {
  body?: unknown;
  /** The version the user saw; sent as `If-Match`. */
  ifMatch?: number;
  query?: Record<string, string | undefined>;
}

let tokenSource: () => string | undefined = () => undefined;
let onUnauthorized: () => void = () => {};

/** Wires the client to the session (app.ts). */
export function configureApi(opts: { token: () => string | undefined; unauthorized: () => void }): void {
  tokenSource = opts.token;
  onUnauthorized = opts.unauthorized;
}

export async function api<T>(method: string, path: string, opts: Options = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.ifMatch !== undefined) headers['if-match'] = `"${opts.ifMatch}"`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== '') query.set(k, v);
  const qs = query.toString();
  const url = qs ? `${path}?${qs}` : path;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  } catch {
    throw new ApiError(0, { error: 'network' });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, (body ?? {}) as ProblemBody);
  }
  const etag = /^(?:W\/)?"?(\d+)"?$/.exec(response.headers.get('etag') ?? '')?.[1];
  return { data: body as T, version: etag === undefined ? undefined : Number(etag) };
}

/** One sentence for the user, in their language; `issues` of a 400 are listed by the caller. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t('errGeneric', { status: '?', message: String(error) });
  const p = error.problem;
  const message = p.message ?? p.error ?? '';
  switch (true) {
    case error.status === 0:
      return t('errNetwork');
    case p.error === 'version_conflict':
      return t('conflict', { current: p.current ?? '?' });
    case p.error === 'invalid_transition':
      return t('invalidTransition', { status: label(p.status ?? '?') });
    case p.error === 'already_linked':
      return t('errAlreadyLinked', { caseId: p.caseId ?? '?' });
    case p.error === 'problem_resolved':
      return t('errProblemResolved');
    case p.error === 'problem_changed':
      return t('errProblemChanged');
    case p.error === 'validation_failed':
      return t('errValidation');
    case error.status === 401:
      return t('sessionExpired');
    case error.status === 403:
      return t('errForbidden', { message });
    case error.status === 404:
      return t('errNotFound', { message });
    case error.status === 503:
      return t('errUnavailable');
    default:
      return t('errGeneric', { status: error.status, message });
  }
}
