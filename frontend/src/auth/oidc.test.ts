import { describe, expect, it } from 'vitest';

import { createUserManager, safeReturnPath } from './oidc';
import { CONFIG } from '../test/render';

describe('OIDC settings', () => {
  it('uses code + PKCE, session storage and the silent-renew page, all from the runtime config', () => {
    const manager = createUserManager({ ...CONFIG, oidc_enabled: true, oidc_authority: 'http://idp.test', frontend_oidc_client_id: 'spa', frontend_oidc_scope: 'openid bi.read' }, 'http://127.0.0.1:5173');
    const settings = manager.settings;
    expect(settings.authority).toBe('http://idp.test');
    expect(settings.client_id).toBe('spa');
    expect(settings.scope).toBe('openid bi.read');
    expect(settings.response_type).toBe('code');
    expect(settings.disablePKCE).toBe(false);
    expect(settings.redirect_uri).toBe('http://127.0.0.1:5173/');
    expect(settings.silent_redirect_uri).toBe('http://127.0.0.1:5173/silent-renew.html');
    expect(settings.automaticSilentRenew).toBe(true);
  });

  it('returns only to same-origin paths after sign-in', () => {
    expect(safeReturnPath('/aw?range=30')).toBe('/aw?range=30');
    expect(safeReturnPath('//evil.test/x')).toBe('/');
    expect(safeReturnPath('https://evil.test')).toBe('/');
    expect(safeReturnPath(undefined)).toBe('/');
  });
});
