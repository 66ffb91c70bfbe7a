/** The only build-time settings (the spec's four VITE_ variables); all OIDC comes at runtime. */
export const env = {
  apiBaseUrl: (import.meta.env.VITE_API_BASE_URL ?? '').replace(/\/+$/, ''),
  collectorEndpoint: (import.meta.env.VITE_OTEL_COLLECTOR_ENDPOINT ?? '').replace(/\/+$/, ''),
  serviceName: import.meta.env.VITE_OTEL_SERVICE_NAME || 'otel-bi-frontend',
  serviceNamespace: import.meta.env.VITE_OTEL_SERVICE_NAMESPACE || 'otel-bi',
};

/** Absolute URL of a gateway path as the browser must call it. */
export function apiUrl(path: string): string {
  return `${env.apiBaseUrl}${path}`;
}
