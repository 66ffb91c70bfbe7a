/**
 * A chart tile body. The ECharts code lives in its own chunk, fetched once a dashboard has sent
 * its calls (`preloadCharts`), so it parses while they are in flight instead of delaying them.
 */
import { lazy, Suspense, useSyncExternalStore } from 'react';

export type ChartOption = Record<string, unknown>;

export interface ChartProps {
  option: ChartOption;
  label: string;
  height?: number;
}

const load = () => import('./EChart');
const EChart = lazy(load);

/** Start fetching the chart code now (idempotent: the module is loaded once). */
export function preloadCharts(): void {
  void load();
}

const DARK = '(prefers-color-scheme: dark)';

function subscribeScheme(onChange: () => void): () => void {
  const query = window.matchMedia?.(DARK);
  query?.addEventListener('change', onChange);
  return () => query?.removeEventListener('change', onChange);
}

/** Whether the system asks for the dark theme (charts follow it like the CSS does). */
export function usePrefersDark(): boolean {
  return useSyncExternalStore(subscribeScheme, () => window.matchMedia?.(DARK).matches ?? false, () => false);
}

export function Chart(props: ChartProps) {
  return (
    <Suspense fallback={<div className="chart" style={{ height: props.height ?? 280 }} role="img" aria-label={props.label} aria-busy="true" />}>
      <EChart {...props} />
    </Suspense>
  );
}
