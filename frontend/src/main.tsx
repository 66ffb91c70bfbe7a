// Boot order: tracing and GET /api/config together, and only then anything auth-related.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { fetchAppConfig } from './api/config';
import { BootError, Root } from './Root';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);
// The SDK is a chunk of its own: it loads while the config is fetched, and is set up before the
// first API call (so every call is traced and carries traceparent).
const telemetry = import('./telemetry/setup').then((module) => module.initTelemetry());
Promise.all([fetchAppConfig(), telemetry]).then(
  ([config]) =>
    root.render(
      <StrictMode>
        <Root config={config} />
      </StrictMode>,
    ),
  (error: unknown) => root.render(<BootError message={error instanceof Error ? error.message : String(error)} />),
);
