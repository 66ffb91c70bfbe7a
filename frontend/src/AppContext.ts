/** What every view needs from the shell: the typed API, the runtime config and the session. */
import { createContext, useContext } from 'react';

import type { AppConfig } from './api/config';
import type { Endpoints } from './api/endpoints';

export interface Session {
  userName: string | null;
  signOut: (() => void) | null;
}

export interface AppContextValue {
  api: Endpoints;
  config: AppConfig;
  session: Session;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (value === null) throw new Error('useApp() outside <AppContext.Provider>');
  return value;
}
