/**
 * URL state: the view is the path, its filters and ranges are query parameters, so a view can
 * be shared and reloaded as it was. History is the store; components subscribe to it.
 */
import { useCallback, useSyncExternalStore } from 'react';

const EVENT = 'otel-bi:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(EVENT, onChange);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

export function navigate(to: string, { replace = false } = {}): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

/** `search` with `changes` applied; null or '' removes a key. Keys are kept sorted (stable URLs). */
export function mergeSearch(search: string, changes: Record<string, string | number | null>): string {
  const params = new URLSearchParams(search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') params.delete(key);
    else params.set(key, String(value));
  }
  params.sort();
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One of `choices` from the query, or `fallback` when absent or not allowed. */
export function readChoice<T extends string>(params: URLSearchParams, key: string, choices: readonly T[], fallback: T): T {
  const value = params.get(key);
  return value !== null && (choices as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** An integer in [min, max] from the query, or `fallback`. */
export function readInt(params: URLSearchParams, key: string, min: number, max: number, fallback: number): number {
  const raw = params.get(key);
  if (raw === null || !/^-?\d+$/.test(raw)) return fallback;
  const value = Number(raw);
  return value >= min && value <= max ? value : fallback;
}

export function useLocationPath(): { path: string; params: URLSearchParams } {
  const current = useSyncExternalStore(subscribe, snapshot, snapshot);
  const [path, search = ''] = current.split('?', 2) as [string, string?];
  return { path, params: new URLSearchParams(search) };
}

/** The query of the current view and a setter that pushes a history entry. */
export function useUrlState(): [URLSearchParams, (changes: Record<string, string | number | null>) => void] {
  const { path, params } = useLocationPath();
  const update = useCallback(
    (changes: Record<string, string | number | null>) => {
      navigate(path + mergeSearch(window.location.search, changes));
    },
    [path],
  );
  return [params, update];
}
