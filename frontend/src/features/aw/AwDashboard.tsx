/** AdventureWorks: KPI cards by channel with YoY change, sales history, forecast, reps, products. */
import { useEffect, useMemo } from 'react';

import { useApp } from '../../AppContext';
import type { AwForecast, AwHistory, AwKpis, AwProductDemand, AwRepScores } from '../../api/endpoints';
import { Chart, preloadCharts } from '../../components/Chart';
import { Change, Segmented } from '../../components/Controls';
import { DataTable } from '../../components/DataTable';
import { DownloadButtons } from '../../components/DownloadButtons';
import { fmtInt, fmtMoney, fmtNum, fmtPct } from '../../components/format';
import { Tile } from '../../components/Tile';
import { useDashboard } from '../../state/dashboard';
import { readChoice, useUrlState } from '../../state/url';
import { forecastOption, historyOption } from './charts';

export const RANGES = { '30': 30, '90': 90, '365': 365, all: 3660 } as const;
const RANGE_KEYS = ['30', '90', '365', 'all'] as const;
const GRAINS = ['day', 'month'] as const;
const HORIZONS = ['30', '90', '180'] as const;
const TOP_N = 10;
const CHANNELS = ['total', 'internet', 'reseller'] as const;

function KpiCards({ kpis }: { kpis: AwKpis }) {
  return (
    <>
    <div className="cards">
      {CHANNELS.map((channel) => {
        const figures = kpis.current.channels.find((c) => c.channel === channel);
        const growth = kpis.growth.find((g) => g.channel === channel);
        if (!figures) return null;
        return (
          <article key={channel} className="card" data-testid={`kpi-${channel}`}>
            <h3>{channel === 'total' ? 'All channels' : channel[0]?.toUpperCase() + channel.slice(1)}</h3>
            <p className="big" data-testid={`kpi-${channel}-revenue`} data-value={figures.revenue}>
              {fmtMoney(figures.revenue)}
            </p>
            <Change value={growth?.revenue_growth_pct} />
            <dl>
              <dt>Orders</dt>
              <dd data-testid={`kpi-${channel}-orders`} data-value={figures.orders}>
                {fmtInt(figures.orders)} <Change value={growth?.orders_growth_pct} />
              </dd>
              <dt>Avg order</dt>
              <dd>{fmtMoney(figures.average_order_value)}</dd>
              <dt>Margin</dt>
              <dd>{fmtPct(figures.margin_pct)}</dd>
            </dl>
          </article>
        );
      })}
    </div>
      <p className="muted small">
        {kpis.current.label} ({kpis.current.start} – {kpis.current.end}) vs {kpis.previous.label}
      </p>
    </>
  );
}

export default function AwDashboard() {
  const { api } = useApp();
  const [params, update] = useUrlState();
  const range = readChoice(params, 'range', RANGE_KEYS, '365');
  const grain = readChoice(params, 'grain', GRAINS, 'month');
  const horizon = readChoice(params, 'horizon', HORIZONS, '30');
  const daysBack = RANGES[range];

  const { tiles, retry } = useDashboard<{ kpis: AwKpis; history: AwHistory; forecast: AwForecast; reps: AwRepScores; products: AwProductDemand }>(
    'aw',
    {
      kpis: api.awKpis,
      history: () => api.awHistory(daysBack),
      forecast: () => api.awForecast(Number(horizon)),
      reps: () => api.awReps(TOP_N),
      products: () => api.awProducts(TOP_N),
    },
    `${daysBack}|${horizon}`,
  );
  useEffect(preloadCharts, []); // after the dashboard's own effect has sent its calls
  const history = tiles.history.status === 'ok' ? tiles.history.result.data : null;
  const historyChart = useMemo(() => (history ? historyOption(grain === 'day' ? history.daily : history.monthly) : null), [history, grain]);
  const forecast = tiles.forecast.status === 'ok' ? tiles.forecast.result.data : null;
  const forecastChart = useMemo(() => (forecast ? forecastOption(forecast) : null), [forecast]);

  return (
    <div className="grid">
      <Tile id="aw-kpis" title="Sales KPIs" state={tiles.kpis} onRetry={() => retry('kpis')} anchor={(d) => d.anchor_date} wide isEmpty={(d) => d.current.channels.length === 0}>
        {(kpis) => <KpiCards kpis={kpis} />}
      </Tile>
      <Tile
        id="aw-history"
        title="Sales history"
        state={tiles.history}
        onRetry={() => retry('history')}
        anchor={(d) => d.anchor_date}
        isEmpty={(d) => d.daily.length === 0}
        wide
        actions={<DownloadButtons view="aw/sales-history" params={{ days_back: daysBack }} />}
      >
        {(data) => (
          <>
            <div className="toolbar">
              <Segmented label="Range" value={range} options={RANGE_KEYS} onChange={(value) => update({ range: value })} labels={{ '30': '30 days', '90': '90 days', '365': '365 days', all: 'All' }} />
              <Segmented label="Granularity" value={grain} options={GRAINS} onChange={(value) => update({ grain: value })} labels={{ day: 'Day', month: 'Month' }} />
            </div>
            <p className="muted small">
              {data.start_date} – {data.end_date}, revenue per {grain}
            </p>
            {historyChart ? <Chart option={historyChart} label={`Revenue per ${grain} from ${data.start_date} to ${data.end_date}`} /> : null}
          </>
        )}
      </Tile>
      <Tile
        id="aw-forecast"
        title="Sales forecast"
        state={tiles.forecast}
        onRetry={() => retry('forecast')}
        anchor={(d) => d.anchor_date}
        isEmpty={(d) => d.points.length === 0}
        wide
        actions={<DownloadButtons view="aw/sales-forecast" params={{ horizon_days: Number(horizon) }} />}
      >
        {(data) => (
          <>
            <div className="toolbar">
              <Segmented label="Horizon" value={horizon} options={HORIZONS} onChange={(value) => update({ horizon: value })} labels={{ '30': '30 days', '90': '90 days', '180': '180 days' }} />
            </div>
            {forecastChart ? <Chart option={forecastChart} label={`Forecast of daily revenue for ${data.horizon_days} days with its interval`} /> : null}
            <p className="small">
              Model <strong>{data.model}</strong> ({data.selection}), trained {data.training_start} – {data.training_end}.
            </p>
            <DataTable
              caption="Backtest error of each model"
              rows={data.backtests}
              rowKey={(row) => row.model}
              columns={[
                { key: 'model', label: 'Model', render: (row) => (row.model === data.model ? `${row.model} (chosen)` : row.model) },
                { key: 'mape', label: 'MAPE', numeric: true, render: (row) => fmtPct(row.mape_pct) },
                { key: 'mae', label: 'MAE', numeric: true, render: (row) => fmtMoney(row.mae) },
                { key: 'holdout', label: 'Hold-out days', numeric: true, render: (row) => fmtInt(row.holdout_days) },
              ]}
            />
          </>
        )}
      </Tile>
      <Tile id="aw-reps" title="Sales rep scores" state={tiles.reps} onRetry={() => retry('reps')} anchor={(d) => d.anchor_date} isEmpty={(d) => d.reps.length === 0} actions={<DownloadButtons view="aw/rep-scores" params={{ top_n: TOP_N }} />}>
        {(data) => (
          <DataTable
            caption={`Top ${data.top_n} of ${data.total_reps} reps, ${data.year}`}
            rows={data.reps}
            rowKey={(row) => row.employee_key}
            columns={[
              { key: 'rank', label: '#', numeric: true, render: (row) => row.rank },
              { key: 'rep', label: 'Rep', render: (row) => row.rep_name },
              { key: 'territory', label: 'Territory', render: (row) => row.territory ?? '—' },
              { key: 'revenue', label: 'Revenue', numeric: true, render: (row) => fmtMoney(row.revenue) },
              { key: 'attainment', label: 'Quota', numeric: true, render: (row) => fmtPct(row.attainment_pct) },
              { key: 'score', label: 'Score', numeric: true, render: (row) => fmtNum(row.score) },
            ]}
          />
        )}
      </Tile>
      <Tile id="aw-products" title="Product demand" state={tiles.products} onRetry={() => retry('products')} anchor={(d) => d.anchor_date} isEmpty={(d) => d.products.length === 0} actions={<DownloadButtons view="aw/product-demand" params={{ top_n: TOP_N }} />}>
        {(data) => (
          <DataTable
            caption={`Top ${data.top_n} of ${data.total_products} products, last ${data.months} months`}
            rows={data.products}
            rowKey={(row) => row.product_key}
            columns={[
              { key: 'rank', label: '#', numeric: true, render: (row) => row.rank },
              { key: 'product', label: 'Product', render: (row) => row.product_name },
              { key: 'category', label: 'Category', render: (row) => row.category ?? '—' },
              { key: 'units', label: 'Units', numeric: true, render: (row) => fmtInt(row.units) },
              { key: 'revenue', label: 'Revenue', numeric: true, render: (row) => fmtMoney(row.revenue) },
              { key: 'share', label: 'Share', numeric: true, render: (row) => fmtPct(row.revenue_share_pct) },
              { key: 'trend', label: 'Trend/mo', numeric: true, render: (row) => fmtNum(row.trend_units_per_month) },
            ]}
          />
        )}
      </Tile>
    </div>
  );
}
