/** WideWorldImporters: KPIs, reorder recommendations by urgency, suppliers, events, what-if. */
import { useApp } from '../../AppContext';
import type { Scenarios, WwiEvents, WwiKpis, WwiReorder, WwiReorderItem, WwiSuppliers } from '../../api/endpoints';
import { DataTable } from '../../components/DataTable';
import { DownloadButtons } from '../../components/DownloadButtons';
import { fmtDateTime, fmtInt, fmtMoney, fmtNum, fmtPct } from '../../components/format';
import { Tile } from '../../components/Tile';
import { useDashboard } from '../../state/dashboard';
import { readChoice, useUrlState } from '../../state/url';
import { Change, Segmented } from '../../components/Controls';
import { ScenarioForm } from './ScenarioForm';

const DAYS = ['30', '90', '365'] as const;
const URGENCY = { critical: 0, high: 1, medium: 2 } as const;
const TOP_N = 10;
const EVENTS = 50;

/** Most urgent first, then the fewest days of cover. */
export function byUrgency(items: WwiReorderItem[]): WwiReorderItem[] {
  return [...items].sort((a, b) => URGENCY[a.urgency] - URGENCY[b.urgency] || (a.days_of_cover ?? Infinity) - (b.days_of_cover ?? Infinity));
}

export default function WwiDashboard() {
  const { api } = useApp();
  const [params, update] = useUrlState();
  const days = readChoice(params, 'days', DAYS, '365');
  const { tiles, retry } = useDashboard<{ kpis: WwiKpis; reorder: WwiReorder; suppliers: WwiSuppliers; events: WwiEvents; scenarios: Scenarios }>(
    'wwi',
    {
      kpis: () => api.wwiKpis(Number(days)),
      reorder: api.wwiReorder,
      suppliers: () => api.wwiSuppliers(TOP_N),
      events: () => api.wwiEvents(EVENTS),
      scenarios: api.wwiScenarios,
    },
    days,
  );

  return (
    <div className="grid">
      <Tile id="wwi-kpis" title="Sales KPIs" state={tiles.kpis} onRetry={() => retry('kpis')} anchor={(d) => d.anchor_date} isEmpty={(d) => d.period === null} wide>
        {(data) => (
          <>
            <div className="toolbar">
              <Segmented label="Period" value={days} options={DAYS} onChange={(value) => update({ days: value })} labels={{ '30': '30 days', '90': '90 days', '365': '365 days' }} />
            </div>
            <div className="cards">
              {(['revenue', 'profit', 'orders', 'units'] as const).map((key) => (
                <article key={key} className="card" data-testid={`wwi-kpi-${key}`}>
                  <h3>{key[0]?.toUpperCase() + key.slice(1)}</h3>
                  <p className="big" data-value={data.current[key]}>
                    {key === 'revenue' || key === 'profit' ? fmtMoney(data.current[key]) : fmtInt(data.current[key])}
                  </p>
                  <Change value={data.growth[key]} />
                </article>
              ))}
              <article className="card">
                <h3>Margin</h3>
                <p className="big">{fmtPct(data.current.margin == null ? null : data.current.margin * 100)}</p>
                <p className="small">{fmtInt(data.current.customers)} customers</p>
              </article>
            </div>
            <p className="muted small">
              {data.period?.start} – {data.period?.end} vs {data.previous_period?.start} – {data.previous_period?.end}
            </p>
          </>
        )}
      </Tile>
      <Tile id="wwi-reorder" title="Reorder recommendations" state={tiles.reorder} onRetry={() => retry('reorder')} anchor={(d) => d.anchor_date} isEmpty={(d) => d.items.length === 0} emptyText="Nothing to reorder: every item has enough cover." wide actions={<DownloadButtons view="wwi/stock-recommendations" />}>
        {(data) => (
          <>
            <p className="small">
              {fmtInt(data.count)} items to reorder, estimated cost {fmtMoney(data.total_estimated_cost)}
            </p>
            <DataTable
              caption="Reorder recommendations, most urgent first"
              rows={byUrgency(data.items)}
              rowKey={(row) => row.stock_item_key}
              columns={[
                { key: 'urgency', label: 'Urgency', render: (row) => <span className={`badge ${row.urgency}`}>{row.urgency}</span> },
                { key: 'item', label: 'Stock item', render: (row) => row.stock_item },
                { key: 'supplier', label: 'Supplier', render: (row) => row.supplier ?? '—' },
                { key: 'onhand', label: 'On hand', numeric: true, render: (row) => fmtInt(row.quantity_on_hand) },
                { key: 'cover', label: 'Days of cover', numeric: true, render: (row) => fmtNum(row.days_of_cover) },
                { key: 'order', label: 'Order qty', numeric: true, render: (row) => fmtInt(row.quantity_to_order) },
                { key: 'cost', label: 'Est. cost', numeric: true, render: (row) => fmtMoney(row.estimated_cost) },
              ]}
            />
          </>
        )}
      </Tile>
      <Tile id="wwi-suppliers" title="Supplier scores" state={tiles.suppliers} onRetry={() => retry('suppliers')} anchor={(d) => d.anchor_date} isEmpty={(d) => d.items.length === 0} actions={<DownloadButtons view="wwi/supplier-scores" params={{ top_n: TOP_N }} />}>
        {(data) => (
          <DataTable
            caption="Supplier reliability scores"
            rows={data.items}
            rowKey={(row) => row.supplier_key}
            columns={[
              { key: 'rank', label: '#', numeric: true, render: (row) => row.rank },
              { key: 'supplier', label: 'Supplier', render: (row) => row.supplier },
              { key: 'fill', label: 'Fill rate', numeric: true, render: (row) => fmtPct(row.fill_rate * 100) },
              { key: 'lead', label: 'Lead time (d)', numeric: true, render: (row) => fmtNum(row.lead_time_mean_days) },
              { key: 'score', label: 'Score', numeric: true, render: (row) => fmtNum(row.score) },
            ]}
          />
        )}
      </Tile>
      <Tile id="wwi-events" title="Business events" state={tiles.events} onRetry={() => retry('events')} isEmpty={(d) => d.items.length === 0} actions={<DownloadButtons view="wwi/business-events" params={{ limit: EVENTS }} />}>
        {(data) => (
          <DataTable
            caption="Stock-level business events, newest first"
            rows={data.items}
            rowKey={(row) => row.id}
            columns={[
              { key: 'when', label: 'Detected', render: (row) => fmtDateTime(row.detected_at) },
              { key: 'severity', label: 'Severity', render: (row) => <span className={`badge ${row.severity}`}>{row.severity}</span> },
              { key: 'message', label: 'Message', render: (row) => row.message },
              { key: 'state', label: 'State', render: (row) => (row.cleared_at ? 'cleared' : 'open') },
            ]}
          />
        )}
      </Tile>
      <section className="tile wide" data-testid="tile-wwi-whatif">
        <header>
          <h2>What-if scenario</h2>
        </header>
        <ScenarioForm onCreated={() => retry('scenarios')} />
      </section>
      <Tile id="wwi-scenarios" title="Saved scenarios" state={tiles.scenarios} onRetry={() => retry('scenarios')} isEmpty={(d) => d.items.length === 0} emptyText="No saved scenarios yet: run one above." wide>
        {(data) => (
          <DataTable
            caption="Saved what-if scenarios and their results"
            rows={data.items}
            rowKey={(row) => row.id}
            columns={[
              { key: 'name', label: 'Scenario', render: (row) => row.name || `#${row.id}` },
              { key: 'when', label: 'Created', render: (row) => fmtDateTime(row.created_at) },
              { key: 'inputs', label: 'Inputs', render: (row) => Object.entries(row.inputs).filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${k}=${String(v)}`).join(', ') },
              { key: 'profit', label: 'Profit', numeric: true, render: (row) => fmtMoney(row.results.profit) },
              { key: 'delta', label: 'vs baseline', numeric: true, render: (row) => fmtMoney(row.results.profit - row.baseline.profit) },
              { key: 'stockouts', label: 'Stock-out days', numeric: true, render: (row) => `${fmtInt(row.results.stockout_days)} (${fmtInt(row.baseline.stockout_days)})` },
            ]}
          />
        )}
      </Tile>
    </div>
  );
}
