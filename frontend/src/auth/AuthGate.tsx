/** Mounted only with OIDC on: signs in before any view renders, then provides the bearer client. */
import { useEffect, useMemo } from 'react';
import type { UserManager } from 'oidc-client-ts';
import { hasAuthParams, useAuth } from 'react-oidc-context';

import type { AppConfig } from '../api/config';
import { ApiClient } from '../api/client';
import { endpoints } from '../api/endpoints';
import { Shell } from '../Shell';
import { useLocationPath } from '../state/url';
import { accessToken, signInOnce } from './oidc';

export function AuthGate({ manager, config }: { manager: UserManager; config: AppConfig }) {
  const auth = useAuth();
  useLocationPath(); // re-render when the URL changes (after the callback cleans it)
  const signIn = useMemo(() => signInOnce(manager), [manager]);

  useEffect(() => {
    if (!hasAuthParams() && !auth.isAuthenticated && !auth.activeNavigator && !auth.isLoading && !auth.error) signIn();
  }, [auth.isAuthenticated, auth.activeNavigator, auth.isLoading, auth.error, signIn]);

  const api = useMemo(
    () => endpoints(new ApiClient({ authRequired: true, getToken: () => accessToken(manager), onUnauthorized: signIn })),
    [manager, signIn],
  );

  if (auth.error && !auth.isAuthenticated) {
    return (
      <main className="center" role="alert">
        <p>Sign-in failed: {auth.error.message}</p>
        <button type="button" onClick={signIn}>
          Sign in again
        </button>
      </main>
    );
  }
  // The user is loaded a moment before onSigninCallback restores the URL: wait for it, or the
  // default view would start its calls first.
  if (!auth.isAuthenticated || hasAuthParams()) {
    return (
      <main className="center" role="status">
        <p>Signing in…</p>
      </main>
    );
  }
  const profile = auth.user?.profile;
  const userName = (profile?.preferred_username ?? profile?.name ?? profile?.sub ?? null) as string | null;
  const signOut = () => void auth.signoutRedirect();
  return <Shell api={api} config={config} session={{ userName, signOut }} />;
}
