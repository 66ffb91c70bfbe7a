/**
 * OIDC in the browser (oidc-client-ts), configured only from the runtime config: Authorization
 * Code + PKCE, tokens and state in sessionStorage (never localStorage), renewal by a silent
 * prompt=none request in a hidden iframe (works with any provider; no offline_access needed).
 */
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';

import type { AppConfig } from '../api/config';
import { navigate } from '../state/url';

export const SILENT_RENEW_PATH = '/silent-renew.html';

export function createUserManager(config: AppConfig, origin: string = window.location.origin): UserManager {
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  return new UserManager({
    authority: config.oidc_authority,
    client_id: config.frontend_oidc_client_id,
    scope: config.frontend_oidc_scope,
    response_type: 'code',
    redirect_uri: `${origin}/`,
    post_logout_redirect_uri: `${origin}/`,
    silent_redirect_uri: `${origin}${SILENT_RENEW_PATH}`,
    automaticSilentRenew: true,
    loadUserInfo: false,
    userStore: store,
    stateStore: store,
  });
}

/** Where to come back to after sign-in: a same-origin path only (no open redirect). */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

export function currentPath(): { returnTo: string } {
  return { returnTo: window.location.pathname + window.location.search };
}

/** After the provider's redirect: drop `?code&state` from the URL and restore the view. */
export function onSigninCallback(user: User | undefined): void {
  const state = user?.state as { returnTo?: unknown } | undefined;
  navigate(safeReturnPath(state?.returnTo), { replace: true });
}

/** The access token of a live session, or null (expired tokens are never sent). */
export async function accessToken(manager: UserManager): Promise<string | null> {
  const user = await manager.getUser();
  return user && !user.expired ? user.access_token : null;
}

/** A sign-in starter that redirects once, however many calls fail with 401 at the same time. */
export function signInOnce(manager: UserManager): () => void {
  let redirecting = false;
  return () => {
    if (redirecting) return;
    redirecting = true;
    void manager.removeUser().then(() => manager.signinRedirect({ state: currentPath() }));
  };
}
