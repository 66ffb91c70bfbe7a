/** The app's frame: navigation between views (the path), the user, and the current view. */
import { lazy, Suspense, type MouseEvent } from 'react';

import type { AppConfig } from './api/config';
import type { Endpoints } from './api/endpoints';
import { AppContext, type Session } from './AppContext';
import AwDashboard from './features/aw/AwDashboard';
import { navigate, useLocationPath } from './state/url';

const WwiDashboard = lazy(() => import('./features/wwi/WwiDashboard'));
const AuditView = lazy(() => import('./features/audit/AuditView'));
const JobsView = lazy(() => import('./features/jobs/JobsView'));
const ReportsView = lazy(() => import('./features/reports/ReportsView'));

export const VIEWS = [
  { path: '/aw', label: 'AdventureWorks', title: 'AdventureWorks sales', component: AwDashboard },
  { path: '/wwi', label: 'WideWorldImporters', title: 'WideWorldImporters operations', component: WwiDashboard },
  { path: '/audit', label: 'Audit log', title: 'Audit log', component: AuditView },
  { path: '/jobs', label: 'Jobs', title: 'Scheduled jobs', component: JobsView },
  { path: '/reports', label: 'Reports', title: 'Reports', component: ReportsView },
] as const;

function go(event: MouseEvent<HTMLAnchorElement>, path: string) {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(path);
}

export function Shell({ api, config, session }: { api: Endpoints; config: AppConfig; session: Session }) {
  const { path } = useLocationPath();
  const current = path === '/' ? VIEWS[0] : VIEWS.find((view) => view.path === path);
  const View = current?.component;
  return (
    <AppContext.Provider value={{ api, config, session }}>
      <header className="top">
        <a className="brand" href="/aw" onClick={(event) => go(event, '/aw')}>
          otel-bi
        </a>
        <nav aria-label="Views">
          {VIEWS.map((view) => (
            <a key={view.path} href={view.path} aria-current={view === current ? 'page' : undefined} onClick={(event) => go(event, view.path)}>
              {view.label}
            </a>
          ))}
        </nav>
        <div className="user">
          {session.userName ? <span data-testid="user-name">{session.userName}</span> : <span className="muted">auth off</span>}
          {session.signOut ? (
            <button type="button" className="small" onClick={session.signOut}>
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main className="content">
        {View ? (
          <>
            <h1>{current.title}</h1>
            <Suspense fallback={<p role="status">Loading view…</p>}>
              <View />
            </Suspense>
          </>
        ) : (
          <p role="alert">
            No view at {path}. <a href="/aw">Go to the dashboards</a>.
          </p>
        )}
      </main>
    </AppContext.Provider>
  );
}
