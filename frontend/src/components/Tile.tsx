/** A dashboard tile: title, data date, fetch time, trace link, and its loading/empty/error states. */
import type { ReactNode } from 'react';

import { useApp } from '../AppContext';
import type { TileState } from '../state/dashboard';
import { fmtDateTime } from './format';

export function traceLink(tempoUrl: string | null | undefined, traceId: string): string | null {
  if (!tempoUrl) return null;
  return tempoUrl.includes('{trace_id}') ? tempoUrl.replaceAll('{trace_id}', traceId) : `${tempoUrl.replace(/\/+$/, '')}/${traceId}`;
}

export function TraceRef({ traceId }: { traceId: string | null }) {
  const { config } = useApp();
  if (!traceId) return null;
  const href = traceLink(config.tempo_url, traceId);
  return href ? (
    <a className="trace" href={href} target="_blank" rel="noreferrer" data-trace-id={traceId}>
      trace {traceId.slice(0, 8)}…
    </a>
  ) : (
    <span className="trace" data-trace-id={traceId} title="trace id of the call that filled this tile">
      trace {traceId}
    </span>
  );
}

interface TileProps<T> {
  id: string;
  title: string;
  state: TileState<T>;
  onRetry: () => void;
  children: (data: T) => ReactNode;
  /** The warehouse date the data runs to (its anchor date). */
  anchor?: (data: T) => string | null | undefined;
  isEmpty?: (data: T) => boolean;
  emptyText?: string;
  actions?: ReactNode;
  wide?: boolean;
}

export function Tile<T>({ id, title, state, onRetry, children, anchor, isEmpty, emptyText, actions, wide }: TileProps<T>) {
  let body: ReactNode;
  let meta: ReactNode = null;
  if (state.status === 'loading') {
    body = (
      <p className="muted" role="status">
        Loading {title.toLowerCase()}…
      </p>
    );
  } else if (state.status === 'error') {
    body = (
      <div className="error" role="alert">
        <p>{state.error.message}</p>
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  } else {
    const { data, fetchedAt, traceId } = state.result;
    const date = anchor?.(data);
    meta = (
      <p className="meta">
        {date ? <span>Data to {date}</span> : null}
        <span>Fetched {fmtDateTime(fetchedAt)}</span>
        <TraceRef traceId={traceId} />
      </p>
    );
    body = isEmpty?.(data) ? <p className="muted" data-testid="empty">{emptyText ?? 'No data for this selection.'}</p> : children(data);
  }
  return (
    <section className={wide ? 'tile wide' : 'tile'} data-testid={`tile-${id}`} data-state={state.status} aria-busy={state.status === 'loading'}>
      <header>
        <h2>{title}</h2>
        {state.status === 'ok' && actions ? <div className="actions">{actions}</div> : null}
      </header>
      {meta}
      {body}
    </section>
  );
}
