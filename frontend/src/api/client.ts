/**
 * The one fetch wrapper every gateway call goes through: bearer token, JSON, and problem+json
 * errors turned into a typed `ApiError`. 401 hands control back to sign-in; the caller's trace
 * context is captured before the token `await` so the fetch span stays in the dashboard's trace.
 */
import { context } from '@opentelemetry/api';

import { apiUrl } from '../env';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface ApiResult<T> {
  data: T;
  status: number;
  /** The gateway's `x-trace-id`: the trace of the call that produced this data. */
  traceId: string | null;
  fetchedAt: Date;
}

export interface Download {
  blob: Blob;
  filename: string;
}

interface ProblemBody {
  title?: string;
  detail?: string;
  service?: string;
  trace_id?: string;
  errors?: { field?: string; loc?: (string | number)[]; msg?: string }[];
}

/** A failed call, with what the user needs to read: the reason, and per-field messages for 422. */
export class ApiError extends Error {
  readonly status: number;
  readonly path: string;
  readonly detail: string;
  readonly fieldErrors: Record<string, string>;
  readonly missingScope: string | null;
  readonly traceId: string | null;

  constructor(status: number, path: string, body: ProblemBody, traceId: string | null) {
    const detail = body.detail ?? body.title ?? `HTTP ${status}`;
    const missingScope = status === 403 ? (/scope\s+(.+)$/.exec(detail)?.[1] ?? null) : null;
    super(describe(status, path, detail, body.service, missingScope));
    this.name = 'ApiError';
    this.status = status;
    this.path = path;
    this.detail = detail;
    this.missingScope = missingScope;
    this.traceId = traceId ?? body.trace_id ?? null;
    this.fieldErrors = {};
    for (const item of body.errors ?? []) {
      const field = item.field ?? item.loc?.filter((p) => p !== 'body' && p !== 'query').join('.');
      if (field && item.msg && !(field in this.fieldErrors)) this.fieldErrors[field] = item.msg;
    }
  }
}

function describe(
  status: number,
  path: string,
  detail: string,
  service: string | undefined,
  missingScope: string | null,
): string {
  if (status === 0) return `The gateway could not be reached (${path}).`;
  if (status === 401) return 'Your session has ended; signing in again.';
  if (status === 403) {
    return missingScope ? `You lack the scope ${missingScope} needed for ${path}.` : `Forbidden: ${detail}`;
  }
  if (status === 502 || status === 504) {
    const who = service ?? 'an upstream service';
    return `${who} ${status === 504 ? 'timed out' : 'is unavailable'} (HTTP ${status}): ${detail}`;
  }
  return `${path} failed (HTTP ${status}): ${detail}`;
}

export interface ClientOptions {
  /** Resolves the current access token; null when signed out. */
  getToken?: () => Promise<string | null>;
  /** With auth on, no call leaves without a token. */
  authRequired: boolean;
  /** Called on a 401 (or a missing token): start sign-in again. */
  onUnauthorized?: () => void;
  fetchImpl?: typeof fetch;
}

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
  }

  get<T>(path: string, query?: Query): Promise<ApiResult<T>> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body?: unknown): Promise<ApiResult<T>> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const response = await this.send(method, path, body, 'application/json');
    const data = (response.status === 204 ? null : await response.json()) as T;
    return { data, status: response.status, traceId: response.headers.get('x-trace-id'), fetchedAt: new Date() };
  }

  /** An export: fetched with the bearer header, returned as a blob (a bare link has no token). */
  async download(path: string, query?: Query): Promise<Download> {
    const response = await this.send('GET', withQuery(path, query), undefined, '*/*');
    const blob = await response.blob();
    const disposition = response.headers.get('content-disposition') ?? '';
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const fallback = `${path.split('/').pop() ?? 'export'}.${String(query?.format ?? 'bin')}`;
    return { blob, filename: match?.[1] ? decodeURIComponent(match[1]) : fallback };
  }

  private async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const active = context.active(); // before any await: the caller's span stays the parent
    const headers: Record<string, string> = { Accept: accept };
    const token = this.options.getToken ? await this.options.getToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (this.options.authRequired) {
      this.options.onUnauthorized?.();
      throw new ApiError(401, path, { detail: 'not signed in' }, null);
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const fetchImpl = this.options.fetchImpl ?? fetch;
    let response: Response;
    try {
      response = await context.with(active, () =>
        fetchImpl(apiUrl(path), {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
    } catch {
      throw new ApiError(0, path, { detail: 'network error' }, null);
    }
    if (response.ok) return response;
    const problem = await readProblem(response);
    if (response.status === 401) this.options.onUnauthorized?.();
    throw new ApiError(response.status, path, problem, response.headers.get('x-trace-id'));
  }
}

async function readProblem(response: Response): Promise<ProblemBody> {
  try {
    const parsed: unknown = await response.json();
    return typeof parsed === 'object' && parsed !== null ? (parsed as ProblemBody) : {};
  } catch {
    return { detail: response.statusText || `HTTP ${response.status}` };
  }
}
