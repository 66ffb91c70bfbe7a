// Boot order: tracing, then GET /api/config, and only then anything auth-related.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { fetchAppConfig } from './api/config';
import { BootError, Root } from './Root';
import './styles.css';
import { initTelemetry } from './telemetry/tracing';

initTelemetry();
const root = createRoot(document.getElementById('root') as HTMLElement);
fetchAppConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <Root config={config} />
      </StrictMode>,
    ),
  (error: unknown) => root.render(<BootError message={error instanceof Error ? error.message : String(error)} />),
);
