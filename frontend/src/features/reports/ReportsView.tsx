/** Full reports: generate the XLSX + PDF pair on the server, then show where they were written. */
import { useState } from 'react';

import { useApp } from '../../AppContext';
import type { GeneratedReport } from '../../api/endpoints';
import { DataTable } from '../../components/DataTable';
import { fmtBytes, fmtDateTime, fmtInt } from '../../components/format';
import { TraceRef } from '../../components/Tile';

type State = { status: 'idle' } | { status: 'running' } | { status: 'done'; report: GeneratedReport; traceId: string | null } | { status: 'error'; message: string };

export default function ReportsView() {
  const { api } = useApp();
  const [state, setState] = useState<State>({ status: 'idle' });

  async function generate() {
    setState({ status: 'running' });
    try {
      const result = await api.generateReport();
      setState({ status: 'done', report: result.data, traceId: result.traceId });
    } catch (failure) {
      setState({ status: 'error', message: failure instanceof Error ? failure.message : String(failure) });
    }
  }

  return (
    <div className="grid">
      <section className="tile wide" data-testid="tile-reports" data-state={state.status}>
        <header>
          <h2>Full report</h2>
        </header>
        <p className="small">Every view of both warehouses as one XLSX workbook and one PDF, written to the server's report folder.</p>
        <div className="toolbar">
          <button type="button" onClick={() => void generate()} disabled={state.status === 'running'}>
            {state.status === 'running' ? 'Generating…' : 'Generate report'}
          </button>
        </div>
        {state.status === 'error' ? (
          <div className="error" role="alert">
            <p>{state.message}</p>
            <button type="button" onClick={() => void generate()}>
              Retry
            </button>
          </div>
        ) : null}
        {state.status === 'done' ? (
          <div data-testid="report-result">
            <p className="meta">
              <span>Generated {fmtDateTime(state.report.generated_at)}</span>
              <TraceRef traceId={state.traceId} />
            </p>
            <DataTable
              caption="Files written"
              rows={[state.report.xlsx, state.report.pdf]}
              rowKey={(row) => row.path}
              columns={[
                { key: 'path', label: 'Path', render: (row) => <code>{row.path}</code> },
                { key: 'size', label: 'Size', numeric: true, render: (row) => <span data-bytes={row.size_bytes}>{fmtBytes(row.size_bytes)}</span> },
                { key: 'sha', label: 'SHA-256', render: (row) => <code title={row.sha256}>{row.sha256.slice(0, 12)}…</code> },
              ]}
            />
            <DataTable
              caption="Views in the report"
              rows={state.report.views}
              rowKey={(row) => `${row.domain}/${row.view}`}
              columns={[
                { key: 'domain', label: 'Domain', render: (row) => row.domain },
                { key: 'view', label: 'View', render: (row) => row.view },
                { key: 'rows', label: 'Rows', numeric: true, render: (row) => fmtInt(row.rows) },
              ]}
            />
          </div>
        ) : null}
      </section>
    </div>
  );
}
