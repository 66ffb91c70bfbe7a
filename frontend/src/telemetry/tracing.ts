/**
 * Browser OpenTelemetry: one WebTracerProvider with document-load, user-interaction, fetch and XHR
 * instrumentations. W3C trace headers go to the gateway's origin only; spans are exported over
 * OTLP/HTTP when VITE_OTEL_COLLECTOR_ENDPOINT is set (an unreachable collector costs nothing else).
 */
import { context, trace, SpanStatusCode, type Span } from '@opentelemetry/api';
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

const TRACER = 'otel-bi-frontend';

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
    const url = `${env.collectorEndpoint}/v1/traces`;
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
      new FetchInstrumentation({ propagateTraceHeaderCorsUrls, ignoreUrls, clearTimingResources: true }),
      new XMLHttpRequestInstrumentation({ propagateTraceHeaderCorsUrls, ignoreUrls }),
    ],
  });
}

/**
 * Start every call of one dashboard inside a manual span, together (the zone context would be
 * lost after an `await`), and end the span once all have settled. Returns the calls' promises.
 */
export function dashboardSpan<T extends readonly (() => Promise<unknown>)[]>(
  name: string,
  calls: T,
): { [K in keyof T]: ReturnType<T[K]> } {
  const span: Span = trace.getTracer(TRACER).startSpan(`dashboard ${name}`, {
    attributes: { 'otel_bi.dashboard': name, 'otel_bi.calls': calls.length },
  });
  const promises = context.with(trace.setSpan(context.active(), span), () => calls.map((call) => call()));
  void Promise.allSettled(promises).then((results) => {
    const failed = results.filter((result) => result.status === 'rejected').length;
    span.setAttribute('otel_bi.failed_calls', failed);
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: `${failed} call(s) failed` });
    span.end();
  });
  return promises as { [K in keyof T]: ReturnType<T[K]> };
}
