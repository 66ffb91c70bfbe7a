/** The tree for a runtime config: with OIDC on, the auth provider and the gate; else no auth at all. */
import { useMemo } from 'react';
import { AuthProvider } from 'react-oidc-context';

import type { AppConfig } from './api/config';
import { ApiClient } from './api/client';
import { endpoints } from './api/endpoints';
import { AuthGate } from './auth/AuthGate';
import { createUserManager, onSigninCallback } from './auth/oidc';
import { Shell } from './Shell';

function AuthenticatedRoot({ config }: { config: AppConfig }) {
  const manager = useMemo(() => createUserManager(config), [config]);
  return (
    <AuthProvider userManager={manager} onSigninCallback={onSigninCallback}>
      <AuthGate manager={manager} config={config} />
    </AuthProvider>
  );
}

function OpenRoot({ config }: { config: AppConfig }) {
  const api = useMemo(() => endpoints(new ApiClient({ authRequired: false })), []);
  return <Shell api={api} config={config} session={{ userName: null, signOut: null }} />;
}

export function Root({ config }: { config: AppConfig }) {
  return config.oidc_enabled ? <AuthenticatedRoot config={config} /> : <OpenRoot config={config} />;
}

export function BootError({ message }: { message: string }) {
  return (
    <main className="center" role="alert">
      <h1>otel-bi cannot start</h1>
      <p>{message}</p>
      <button type="button" onClick={() => window.location.reload()}>
        Retry
      </button>
    </main>
  );
}
