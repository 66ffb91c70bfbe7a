/** The audit log (domain filter, paging) and the result of the hash-chain verification. */
import { useApp } from '../../AppContext';
import type { AuditPage, ChainVerification } from '../../api/endpoints';
import { DataTable } from '../../components/DataTable';
import { fmtDateTime, fmtInt, fmtNum } from '../../components/format';
import { Tile } from '../../components/Tile';
import { useDashboard } from '../../state/dashboard';
import { readChoice, readInt, useUrlState } from '../../state/url';
import { Segmented } from '../../components/Controls';

const DOMAINS = ['all', 'aw', 'wwi'] as const;
export const PAGE_SIZE = 25;

export default function AuditView() {
  const { api } = useApp();
  const [params, update] = useUrlState();
  const domain = readChoice(params, 'domain', DOMAINS, 'all');
  const page = readInt(params, 'page', 1, 100_000, 1);
  const { tiles, retry } = useDashboard<{ log: AuditPage; verify: ChainVerification }>(
    'audit',
    { log: () => api.audit(domain === 'all' ? '' : domain, PAGE_SIZE, (page - 1) * PAGE_SIZE), verify: api.auditVerify },
    `${domain}|${page}`,
  );

  return (
    <div className="grid">
      <Tile id="audit-verify" title="Hash-chain verification" state={tiles.verify} onRetry={() => retry('verify')} wide>
        {(data) => (
          <div className="toolbar">
            <p className={data.ok ? 'ok' : 'error'} data-testid="audit-verify-result">
              {data.ok ? `✔ Chain intact: ${fmtInt(data.rows_checked)} rows checked.` : `✘ Chain broken at row ${data.first_broken_id ?? '?'}: ${data.reason ?? 'unknown reason'}`}
            </p>
            <button type="button" onClick={() => retry('verify')}>
              Verify again
            </button>
          </div>
        )}
      </Tile>
      <Tile id="audit-log" title="Audit log" state={tiles.log} onRetry={() => retry('log')} wide>
        {(data) => (
          <>
            <div className="toolbar">
              <Segmented label="Domain" value={domain} options={DOMAINS} onChange={(value) => update({ domain: value === 'all' ? null : value, page: null })} labels={{ all: 'All', aw: 'AW', wwi: 'WWI' }} />
              <nav className="pager" aria-label="Audit pages">
                <button type="button" disabled={page <= 1} onClick={() => update({ page: page - 1 > 1 ? page - 1 : null })}>
                  ← Newer
                </button>
                <span>Page {page}</span>
                <button type="button" disabled={data.items.length < PAGE_SIZE} onClick={() => update({ page: page + 1 })}>
                  Older →
                </button>
              </nav>
            </div>
            {data.items.length === 0 ? (
              <p className="muted">No audit rows on this page.</p>
            ) : (
              <DataTable
                caption="Audit rows, newest first"
                rows={data.items}
                rowKey={(row) => row.id}
                columns={[
                  { key: 'id', label: 'Id', numeric: true, render: (row) => row.id },
                  { key: 'when', label: 'When', render: (row) => fmtDateTime(row.occurred_at) },
                  { key: 'domain', label: 'Domain', render: (row) => row.domain },
                  { key: 'action', label: 'Action', render: (row) => row.action },
                  { key: 'actor', label: 'Actor', render: (row) => row.actor },
                  { key: 'outcome', label: 'Outcome', render: (row) => <span className={`badge ${row.outcome}`}>{row.outcome}</span> },
                  { key: 'status', label: 'HTTP', numeric: true, render: (row) => row.status_code ?? '—' },
                  { key: 'ms', label: 'ms', numeric: true, render: (row) => fmtNum(row.duration_ms) },
                ]}
              />
            )}
          </>
        )}
      </Tile>
    </div>
  );
}
