/**
 * Per-tile loading state for a dashboard: all its calls start together inside one manual span,
 * each tile settles on its own (one failed call never blanks the page) and can be retried alone.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { ApiResult } from '../api/client';
import { dashboardSpan } from '../telemetry/tracing';

export type TileState<T> =
  | { status: 'loading' }
  | { status: 'ok'; result: ApiResult<T> }
  | { status: 'error'; error: Error };

type Loaders<T> = { [K in keyof T]: () => Promise<ApiResult<T[K]>> };
type Tiles<T> = { [K in keyof T]: TileState<T[K]> };

function allLoading<T>(keys: (keyof T)[]): Tiles<T> {
  return Object.fromEntries(keys.map((key) => [key, { status: 'loading' }])) as Tiles<T>;
}

/** `reloadKey` changes when the dashboard's parameters change (e.g. the URL's query). */
export function useDashboard<T extends Record<string, unknown>>(
  name: string,
  loaders: Loaders<T>,
  reloadKey: string,
): { tiles: Tiles<T>; retry: (key: keyof T) => void } {
  const latest = useRef(loaders);
  useLayoutEffect(() => {
    latest.current = loaders; // the newest closures (their parameters) for the next run or retry
  });
  const generation = useRef(0);
  const [tiles, setTiles] = useState<Tiles<T>>(() => allLoading<T>(Object.keys(loaders) as (keyof T)[]));

  const run = useCallback(
    (keys: (keyof T)[], spanName: string) => {
      const mine = generation.current;
      setTiles((prev) => ({ ...prev, ...allLoading<T>(keys) }));
      const calls = keys.map((key) => latest.current[key]);
      const promises = dashboardSpan(spanName, calls);
      promises.forEach((promise, index) => {
        const key = keys[index] as keyof T;
        promise.then(
          (result) => {
            if (generation.current === mine) setTiles((prev) => ({ ...prev, [key]: { status: 'ok', result } }));
          },
          (error: unknown) => {
            const failure = error instanceof Error ? error : new Error(String(error));
            if (generation.current === mine) setTiles((prev) => ({ ...prev, [key]: { status: 'error', error: failure } }));
          },
        );
      });
    },
    [],
  );

  useEffect(() => {
    generation.current += 1;
    run(Object.keys(latest.current) as (keyof T)[], name);
  }, [name, reloadKey, run]);

  const retry = useCallback((key: keyof T) => run([key], `${name}.${String(key)}`), [name, run]);
  return { tiles, retry };
}
