/** Representative gateway answers (shapes from the OpenAPI types) for the view tests. */
import type { AuditPage, AwForecast, AwHistory, AwKpis, AwProductDemand, AwRepScores, ChainVerification, GeneratedReport, JobHistory, Scenarios, WwiEvents, WwiKpis, WwiReorder, WwiSuppliers } from '../api/endpoints';

const channel = (name: 'internet' | 'reseller' | 'total', revenue: number, orders: number) => ({
  channel: name, revenue, orders, units: orders * 2, average_order_value: revenue / orders, gross_margin: revenue * 0.3, margin_pct: 30,
});

export const awKpis: AwKpis = {
  anchor_date: '2013-12-31', first_order_date: '2010-12-29', year: 2013, previous_year: 2012,
  whole_warehouse: { label: 'all', start: '2010-12-29', end: '2013-12-31', channels: [channel('total', 1e8, 30000)] },
  current: { label: '2013', start: '2013-01-01', end: '2013-12-31', channels: [channel('internet', 3746354.2, 2831), channel('reseller', 16193202, 649), channel('total', 19939556.2, 3480)] },
  previous: { label: '2012', start: '2012-01-01', end: '2012-12-31', channels: [] },
  growth: [{ channel: 'total', revenue_growth_pct: 29.03, orders_growth_pct: 26.22, units_growth_pct: 1, gross_margin_growth_pct: 2 }],
};
const point = (period: string, revenue: number) => ({ period, revenue, internet_revenue: revenue / 4, reseller_revenue: (3 * revenue) / 4, orders: 10, internet_orders: 5, reseller_orders: 5, units: 20, internet_units: 10, reseller_units: 10 });
export const awHistory: AwHistory = { anchor_date: '2013-12-31', days_back: 365, start_date: '2013-01-01', end_date: '2013-12-31', daily: [point('2013-12-30', 1000), point('2013-12-31', 2000)], monthly: [point('2013-12-01', 3000)] };
export const awForecast: AwForecast = {
  anchor_date: '2013-12-31', horizon_days: 30, model: 'seasonal', selection: 'lower backtest MAE', interval_level: 0.95, training_start: '2010-01-01', training_end: '2013-12-31',
  backtests: [{ model: 'linear', description: 'l', mape_pct: 85.87, mae: 45353, holdout_days: 30 }, { model: 'seasonal', description: 's', mape_pct: 77.09, mae: 40396, holdout_days: 30 }],
  points: [{ date: '2014-01-01', predicted_revenue: 60000, lower_bound: 1000, upper_bound: 150000 }],
};
export const awReps: AwRepScores = { anchor_date: '2013-12-31', year: 2013, period_start: '2013-01-01', period_end: '2013-12-31', top_n: 10, total_reps: 17, formula: 'f', reps: [{ rank: 1, employee_key: 7, rep_name: 'Stephen Jiang', territory: 'Central', revenue: 1985982, orders: 50, quota: 2e6, attainment_pct: 91.94, score: 76.48 }] };
export const awProducts: AwProductDemand = { anchor_date: '2013-12-31', period_start: '2013-01-01', period_end: '2013-12-31', months: 12, top_n: 10, total_products: 100, products: [{ rank: 1, product_key: 3, product_name: 'Hydration Pack', category: 'Accessories', units: 389, revenue: 14326, revenue_share_pct: 0.07, trend_units_per_month: 1.5 }] };

const figures = { revenue: 6285381, profit: 2566109, margin: 0.4083, orders: 5713, units: 432536, customers: 362 };
export const wwiKpis: WwiKpis = { anchor_date: '2016-12-31', days: 365, period: { start: '2016-01-02', end: '2016-12-31' }, previous_period: { start: '2015-01-02', end: '2015-12-31' }, current: figures, previous: figures, growth: { revenue: 0.17, profit: 0.17, orders: 0.17, units: 0.18 } };
const reorderItem = (key: number, urgency: 'critical' | 'high' | 'medium', cover: number) => ({
  stock_item_key: key, wwi_stock_item_id: key, stock_item: `Item ${key}`, supplier_key: 1, supplier: 'Litware, Inc.', quantity_on_hand: 5, reorder_level: 10, target_level: 50, daily_velocity: 2, lead_time_days: 7,
  days_of_cover: cover, quantity_per_outer: 10, outers_to_order: 5, quantity_to_order: 50, urgency, unit_cost: 3, estimated_cost: 150,
});
export const wwiReorder: WwiReorder = { anchor_date: '2016-12-31', velocity_window: null, count: 3, total_estimated_cost: 450, items: [reorderItem(1, 'medium', 14), reorderItem(2, 'critical', 5), reorderItem(3, 'critical', 0)] };
export const wwiSuppliers: WwiSuppliers = { anchor_date: '2016-12-26', window: null, top_n: 10, weights: {}, items: [{ rank: 1, wwi_supplier_id: 4, supplier_key: 4, supplier: 'Litware, Inc.', purchase_lines: 10, ordered_outers: 10, received_outers: 9, finalized_lines: 9, fill_rate: 0.9784, finalized_share: 0.9, received_lines: 9, lead_time_mean_days: 5.02, lead_time_stddev_days: 1, lead_time_score: 0.9, score: 94.95 }] };
export const wwiEvents: WwiEvents = { limit: 50, offset: 0, items: [{ id: 1, detected_at: '2026-12-08T00:06:08Z', run_id: 'r', event_type: 'stock.low', condition_key: 'k', stock_item_key: 1, stock_item: 'Tea cup', severity: 'warning', message: 'Tea cup (Blue) small: 48 on hand', details: {}, cleared_at: null }] };
const totals = { items: 10, demand_units: 100, units_sold: 90, lost_units: 10, revenue: 1000, profit: 400, stockout_items: 1, stockout_days: 3, orders: 5, reorder_units: 50, reorder_cost: 150 };
export const scenarios: Scenarios = { limit: 20, offset: 0, items: [{ id: 7, created_at: '2026-12-08T00:00:00Z', name: 'busy season', actor: 'demo', inputs: { demand_change_pct: 15 }, inputs_hash: 'h', baseline: { ...totals, anchor_date: '2016-12-31', horizon_days: 30 }, results: { ...totals, profit: 460, delta: {}, top_items: [] }, trace_id: null }] };

export const auditPage: AuditPage = { limit: 25, offset: 0, domain: null, items: [{ id: 66, occurred_at: '2026-12-08T00:07:14Z', domain: 'wwi', action: 'suppliers.scores', actor: 'demo', parameters: {}, outcome: 'success', status_code: 200, duration_ms: 189.85, trace_id: null, detail: null, prev_hash: 'a', row_hash: 'b' }] };
export const verified: ChainVerification = { ok: true, rows_checked: 34, first_broken_id: null, reason: null };
export const jobs: JobHistory = { limit: 50, offset: 0, jobs: ['aw.daily.forecast'], items: [{ id: 1, job_id: 'aw.daily.forecast', scheduled_for: '2026-12-08T00:00:00Z', status: 'failed', started_at: '2026-12-08T00:00:01Z', finished_at: '2026-12-08T00:00:02Z', duration_ms: 812.5, error: 'warehouse unavailable', result: null, instance: 'i', trace_id: null }] };
export const report: GeneratedReport = {
  generated_at: '2026-12-08T00:10:00Z', output_dir: '/srv/reports',
  xlsx: { path: '/srv/reports/otel-bi-report-x.xlsx', filename: 'otel-bi-report-x.xlsx', size_bytes: 48213, sha256: 'ab'.repeat(32) },
  pdf: { path: '/srv/reports/otel-bi-report-x.pdf', filename: 'otel-bi-report-x.pdf', size_bytes: 2_400_000, sha256: 'cd'.repeat(32) },
  views: [{ domain: 'aw', view: 'sales-kpis', rows: 3 }],
};
