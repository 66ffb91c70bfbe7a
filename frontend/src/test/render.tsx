/** Test helpers: a fetch that answers by path like the gateway would, and a view rendered with it. */
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';

import { AppContext } from '../AppContext';
import { ApiClient } from '../api/client';
import type { AppConfig } from '../api/config';
import { endpoints } from '../api/endpoints';

export interface Answer {
  status?: number;
  body?: unknown;
  /** A non-JSON body (an export file). */
  raw?: string;
  headers?: Record<string, string>;
}

export type Routes = Record<string, Answer | ((url: URL, init: RequestInit | undefined) => Answer)>;

export interface FakeFetch {
  fetch: typeof fetch;
  calls: { url: URL; init: RequestInit | undefined }[];
}

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { type: 'about:blank', title: 'Error', status, detail, ...extra }, headers: { 'content-type': 'application/problem+json' } };
}

/** Routes are matched on the path; an unknown path is a 404 problem. */
export function fakeFetch(routes: Routes): FakeFetch {
  const calls: FakeFetch['calls'] = [];
  const impl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://app.test');
    calls.push({ url, init });
    const route = routes[`${init?.method ?? 'GET'} ${url.pathname}`] ?? routes[url.pathname];
    const answer = typeof route === 'function' ? route(url, init) : (route ?? problem(404, `no route ${url.pathname}`));
    const body = answer.raw ?? JSON.stringify(answer.body ?? null);
    return new Response(body, {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', 'x-trace-id': '0af7651916cd43dd8448eb211c80319c', ...answer.headers },
    });
  };
  return { fetch: impl as typeof fetch, calls };
}

export const CONFIG: AppConfig = { oidc_enabled: false, oidc_authority: '', frontend_oidc_client_id: '', frontend_oidc_scope: 'openid', tempo_url: null };

export function renderView(view: ReactElement, routes: Routes, config: AppConfig = CONFIG) {
  const fake = fakeFetch(routes);
  const api = endpoints(new ApiClient({ authRequired: false, fetchImpl: fake.fetch }));
  const result = render(<AppContext.Provider value={{ api, config, session: { userName: null, signOut: null } }}>{view}</AppContext.Provider>);
  return { ...result, fake };
}
