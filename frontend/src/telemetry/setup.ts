/**
 * Browser OpenTelemetry (its own chunk, loaded beside GET /api/config): one WebTracerProvider with document-load, user-interaction, fetch and XHR
 * instrumentations. W3C trace headers go to the gateway's origin only; spans are exported over
 * OTLP/HTTP when VITE_OTEL_COLLECTOR_ENDPOINT is set (an unreachable collector costs nothing else).
 */
import { ZoneContextManager } from '@opentelemetry/context-zone';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { UserInteractionInstrumentation } from '@opentelemetry/instrumentation-user-interaction';
import { XMLHttpRequestInstrumentation } from '@opentelemetry/instrumentation-xml-http-request';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';

import { env } from '../env';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The cross-origin URLs that may receive `traceparent`: the gateway's origin, nothing else. */
export function propagationTargets(apiBaseUrl: string): RegExp[] {
  if (!apiBaseUrl) return []; // same origin: the instrumentation propagates there by default
  const origin = new URL(apiBaseUrl).origin;
  return [new RegExp(`^${escapeRegExp(origin)}(/|$)`)];
}

let started = false;

export function initTelemetry(): void {
  if (started) return;
  started = true;
  const spanProcessors: SpanProcessor[] = [];
  const ignoreUrls: RegExp[] = [];
  if (env.collectorEndpoint) {
    // Absolute, so a same-origin path such as /otlp (compose's nginx) works as well.
    const url = new URL(`${env.collectorEndpoint}/v1/traces`, window.location.origin).href;
    ignoreUrls.push(new RegExp(`^${escapeRegExp(url)}`));
    spanProcessors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 2000 }),
    );
  }
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.serviceName,
      'service.namespace': env.serviceNamespace,
    }),
    spanProcessors,
  });
  provider.register({ contextManager: new ZoneContextManager() });
  const propagateTraceHeaderCorsUrls = propagationTargets(env.apiBaseUrl);
  registerInstrumentations({
    instrumentations: [
      new DocumentLoadInstrumentation(),
      new UserInteractionInstrumentation({ eventNames: ['click', 'submit'] }),
      new FetchInstrumentation({ propagateTraceHeaderCorsUrls, ignoreUrls }),
      new XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls, ignoreUrls }),
    ],
  });
}
