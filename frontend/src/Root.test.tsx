/** Boot: the runtime config decides whether an auth provider exists at all. */
import { render, screen, waitFor } from '@testing-library/react';
import { UserManager } from 'oidc-client-ts';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { fetchAppConfig, getAppConfig } from './api/config';
import { Root } from './Root';
import * as f from './test/fixtures';
import { CONFIG, fakeFetch } from './test/render';

const AW = {
  '/api/aw/sales/kpis': { body: f.awKpis },
  '/api/aw/sales/history': { body: f.awHistory },
  '/api/aw/sales/forecast': { body: f.awForecast },
  '/api/aw/reps/scores': { body: f.awReps },
  '/api/aw/products/demand': { body: f.awProducts },
};
const ENABLED = { ...CONFIG, oidc_enabled: true, oidc_authority: 'http://idp.test', frontend_oidc_client_id: 'otel-bi-frontend', frontend_oidc_scope: 'openid bi.read' };

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('fetchAppConfig', () => {
  it('reads /api/config and keeps it for getAppConfig', async () => {
    const fake = fakeFetch({ '/api/config': { body: ENABLED } });
    const config = await fetchAppConfig(fake.fetch);
    expect(config.frontend_oidc_client_id).toBe('otel-bi-frontend');
    expect(getAppConfig()).toEqual(config);
    expect(fake.calls[0]?.url.pathname).toBe('/api/config');
  });

  it('refuses an enabled config without authority or client id, and a failed answer', async () => {
    await expect(fetchAppConfig(fakeFetch({ '/api/config': { body: { ...ENABLED, oidc_authority: '' } } }).fetch)).rejects.toThrow(/OIDC_AUTHORITY/);
    await expect(fetchAppConfig(fakeFetch({ '/api/config': { status: 503, body: {} } }).fetch)).rejects.toThrow(/HTTP 503/);
  });
});

describe('Root', () => {
  it('mounts no auth provider when OIDC is disabled: views call the API without a token', async () => {
    const fake = fakeFetch(AW);
    vi.stubGlobal('fetch', fake.fetch);
    const redirect = vi.spyOn(UserManager.prototype, 'signinRedirect');
    window.history.replaceState(null, '', '/aw');
    render(<Root config={CONFIG} />);
    expect(await screen.findByText('auth off')).toBeTruthy();
    await waitFor(() => expect(fake.calls.length).toBe(5));
    for (const call of fake.calls) expect((call.init?.headers as Record<string, string>).Authorization).toBeUndefined();
    expect(redirect).not.toHaveBeenCalled();
    expect(Object.keys(sessionStorage).some((key) => key.startsWith('oidc.'))).toBe(false);
  });

  it('signs in first when OIDC is enabled, remembering the view, and calls no API before', async () => {
    const fake = fakeFetch(AW);
    vi.stubGlobal('fetch', fake.fetch);
    const redirect = vi.spyOn(UserManager.prototype, 'signinRedirect').mockResolvedValue(undefined);
    window.history.replaceState(null, '', '/wwi?days=90');
    render(<Root config={ENABLED} />);
    await waitFor(() => expect(redirect).toHaveBeenCalledOnce());
    expect(redirect.mock.calls[0]?.[0]).toEqual({ state: { returnTo: '/wwi?days=90' } });
    expect(screen.getByText('Signing in…')).toBeTruthy();
    expect(fake.calls.filter((call) => call.url.pathname.startsWith('/api/'))).toHaveLength(0);
  });
});
