import { describe, expect, it, vi } from 'vitest';

import { ApiClient, ApiError } from './client';
import { endpoints } from './endpoints';
import { fakeFetch, problem } from '../test/render';

function client(routes: Parameters<typeof fakeFetch>[0], token: string | null = 'tok-123', authRequired = true) {
  const fake = fakeFetch(routes);
  const onUnauthorized = vi.fn();
  const api = new ApiClient({ authRequired, getToken: async () => token, onUnauthorized, fetchImpl: fake.fetch });
  return { api, fake, onUnauthorized };
}

describe('ApiClient', () => {
  it('sends the bearer token and returns the data with its trace id and fetch time', async () => {
    const { api, fake } = client({ '/api/aw/sales/kpis': { body: { ok: 1 } } });
    const result = await api.get<{ ok: number }>('/api/aw/sales/kpis', { year: 2013, empty: undefined });
    expect(result.data).toEqual({ ok: 1 });
    expect(result.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(result.fetchedAt).toBeInstanceOf(Date);
    const headers = fake.calls[0]?.init?.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok-123');
    expect(fake.calls[0]?.url.search).toBe('?year=2013');
  });

  it('never calls the API without a token when auth is required, and starts sign-in', async () => {
    const { api, fake, onUnauthorized } = client({ '/api/audit': { body: {} } }, null);
    await expect(api.get('/api/audit')).rejects.toMatchObject({ status: 401 });
    expect(fake.calls).toHaveLength(0);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('calls without a token when auth is off', async () => {
    const { api, fake } = client({ '/api/audit': { body: {} } }, null, false);
    await api.get('/api/audit');
    expect((fake.calls[0]?.init?.headers as Record<string, string>).Authorization).toBeUndefined();
  });

  it('maps 401 to sign-in again', async () => {
    const { api, onUnauthorized } = client({ '/api/audit': problem(401, 'token expired') });
    const error = await api.get('/api/audit').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toMatch(/signing in again/);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('maps 403 to the missing scope', async () => {
    const { api, onUnauthorized } = client({ '/api/audit': problem(403, 'token lacks required scope bi.read') });
    const error = (await api.get('/api/audit').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(403);
    expect(error.missingScope).toBe('bi.read');
    expect(error.message).toBe('You lack the scope bi.read needed for /api/audit.');
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('maps 422 field errors by field name', async () => {
    const body = { errors: [{ loc: ['body', 'demand_change_pct'], field: 'demand_change_pct', msg: 'Input should be less than or equal to 500' }] };
    const { api } = client({ 'POST /api/wwi/scenarios': problem(422, 'demand_change_pct: too big', body) });
    const error = (await api.post('/api/wwi/scenarios', { demand_change_pct: 9999 }).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({ demand_change_pct: 'Input should be less than or equal to 500' });
  });

  it('maps 502 to a message naming the service', async () => {
    const { api } = client({ '/api/aw/sales/kpis': problem(502, 'aw-service refused the connection', { service: 'aw-service' }) });
    const error = (await api.get('/api/aw/sales/kpis').catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/^aw-service is unavailable \(HTTP 502\)/);
  });

  it('reports an unreachable gateway as status 0', async () => {
    const api = new ApiClient({ authRequired: false, fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(api.get('/api/health')).rejects.toMatchObject({ status: 0 });
  });

  it('downloads an export as a blob with the bearer header and the server file name', async () => {
    const { api, fake } = client({
      '/api/aw/export/rep-scores': { raw: 'PK', headers: { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment; filename="rep-scores-2013.xlsx"' } },
    });
    const file = await endpoints(api).exportView('aw/rep-scores', 'xlsx', { top_n: 10 });
    expect(file.filename).toBe('rep-scores-2013.xlsx');
    expect(await file.blob.text()).toBe('PK');
    expect(fake.calls[0]?.url.search).toBe('?top_n=10&format=xlsx');
    expect((fake.calls[0]?.init?.headers as Record<string, string>).Authorization).toBe('Bearer tok-123');
  });
});
