/** The dashboards' manual spans (only @opentelemetry/api: the SDK is set up by setup.ts). */
import { context, trace, SpanStatusCode, type Span } from '@opentelemetry/api';

const TRACER = 'otel-bi-frontend';

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
