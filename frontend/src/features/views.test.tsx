/** Each view with a representative answer, an empty one and a failed call. */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import AuditView from './audit/AuditView';
import AwDashboard from './aw/AwDashboard';
import JobsView from './jobs/JobsView';
import ReportsView from './reports/ReportsView';
import WwiDashboard from './wwi/WwiDashboard';
import { byUrgency } from './wwi/WwiDashboard';
import * as f from '../test/fixtures';
import { CONFIG, problem, renderView, type Routes } from '../test/render';

const AW: Routes = {
  '/api/aw/sales/kpis': { body: f.awKpis },
  '/api/aw/sales/history': { body: f.awHistory },
  '/api/aw/sales/forecast': { body: f.awForecast },
  '/api/aw/reps/scores': { body: f.awReps },
  '/api/aw/products/demand': { body: f.awProducts },
};
const WWI: Routes = {
  '/api/wwi/sales/kpis': { body: f.wwiKpis },
  '/api/wwi/stock/recommendations': { body: f.wwiReorder },
  '/api/wwi/suppliers/scores': { body: f.wwiSuppliers },
  '/api/wwi/events': { body: f.wwiEvents },
  'GET /api/wwi/scenarios': { body: f.scenarios },
};

async function tile(id: string, state: string) {
  const element = await screen.findByTestId(`tile-${id}`);
  await waitFor(() => expect(element.getAttribute('data-state')).toBe(state));
  return element;
}

beforeEach(() => window.history.replaceState(null, '', '/'));

describe('AW dashboard', () => {
  it('renders KPI cards, tables, anchor date, fetch time and trace id', async () => {
    const { fake } = renderView(<AwDashboard />, AW);
    const kpis = await tile('aw-kpis', 'ok');
    expect(within(kpis).getByTestId('kpi-total-revenue').textContent).toBe('$19,939,556');
    expect(within(kpis).getByText(/\+29\.03 % YoY/)).toBeTruthy();
    expect(within(kpis).getByText('Data to 2013-12-31')).toBeTruthy();
    expect(within(kpis).getByText(/^Fetched /)).toBeTruthy();
    expect(kpis.querySelector('[data-trace-id="0af7651916cd43dd8448eb211c80319c"]')).toBeTruthy();
    expect(within(await tile('aw-reps', 'ok')).getByText('Stephen Jiang')).toBeTruthy();
    expect(within(await tile('aw-forecast', 'ok')).getByText('seasonal (chosen)')).toBeTruthy();
    expect(within(await tile('aw-products', 'ok')).getByText('Hydration Pack')).toBeTruthy();
    expect(fake.calls.find((c) => c.url.pathname === '/api/aw/sales/history')?.url.search).toBe('?days_back=365');
  });

  it('puts the range in the URL and asks the API for it', async () => {
    const { fake } = renderView(<AwDashboard />, AW);
    const history = await tile('aw-history', 'ok');
    fireEvent.click(within(history).getByRole('button', { name: '30 days' }));
    expect(window.location.search).toBe('?range=30');
    await waitFor(() => expect(fake.calls.some((c) => c.url.search === '?days_back=30')).toBe(true));
  });

  it('shows an empty state', async () => {
    renderView(<AwDashboard />, { ...AW, '/api/aw/reps/scores': { body: { ...f.awReps, reps: [] } } });
    expect(within(await tile('aw-reps', 'ok')).getByTestId('empty')).toBeTruthy();
  });

  it('keeps the other tiles when one call fails, and retries only that one', async () => {
    let fail = true;
    const { fake } = renderView(<AwDashboard />, { ...AW, '/api/aw/sales/forecast': () => (fail ? problem(502, 'aw-service refused', { service: 'aw-service' }) : { body: f.awForecast }) });
    const forecast = await tile('aw-forecast', 'error');
    expect(within(forecast).getByRole('alert').textContent).toMatch(/aw-service is unavailable/);
    await tile('aw-kpis', 'ok');
    fail = false;
    const before = fake.calls.length;
    fireEvent.click(within(forecast).getByRole('button', { name: 'Retry' }));
    await tile('aw-forecast', 'ok');
    expect(fake.calls.slice(before).map((c) => c.url.pathname)).toEqual(['/api/aw/sales/forecast']);
  });
});

describe('WWI dashboard', () => {
  it('renders KPIs, reorder by urgency, suppliers, events and scenarios', async () => {
    renderView(<WwiDashboard />, WWI);
    expect(within(await tile('wwi-kpis', 'ok')).getByText('$6,285,381')).toBeTruthy();
    const rows = within(await tile('wwi-reorder', 'ok')).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.children[1]?.textContent)).toEqual(['Item 3', 'Item 2', 'Item 1']);
    expect(within(await tile('wwi-suppliers', 'ok')).getByText('97.84 %')).toBeTruthy();
    expect(within(await tile('wwi-events', 'ok')).getByText(/Tea cup/)).toBeTruthy();
    expect(within(await tile('wwi-scenarios', 'ok')).getByText('busy season')).toBeTruthy();
  });

  it('sorts critical items with the least cover first', () => {
    expect(byUrgency(f.wwiReorder.items).map((item) => item.stock_item_key)).toEqual([3, 2, 1]);
  });

  it('maps a 422 from the API onto the what-if field', async () => {
    const errors = [{ loc: ['body', 'demand_change_pct'], field: 'demand_change_pct', msg: 'Input should be less than or equal to 500' }];
    renderView(<WwiDashboard />, { ...WWI, 'POST /api/wwi/scenarios': problem(422, 'bad', { errors }) });
    const input = await screen.findByLabelText('Demand change (%)');
    fireEvent.change(input, { target: { value: '9999' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run scenario' }));
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('Input should be less than or equal to 500')).toBeTruthy();
  });

  it('shows empty and error states per tile', async () => {
    renderView(<WwiDashboard />, { ...WWI, '/api/wwi/stock/recommendations': { body: { ...f.wwiReorder, items: [], count: 0 } }, '/api/wwi/events': problem(503, 'write store down') });
    expect(within(await tile('wwi-reorder', 'ok')).getByText(/Nothing to reorder/)).toBeTruthy();
    expect(within(await tile('wwi-events', 'error')).getByRole('alert').textContent).toMatch(/HTTP 503/);
    await tile('wwi-kpis', 'ok');
  });
});

describe('Audit view', () => {
  it('renders rows and the verification; the domain filter and page go to the URL', async () => {
    const { fake } = renderView(<AuditView />, { '/api/audit': { body: f.auditPage }, '/api/audit/verify': { body: f.verified } });
    expect(within(await tile('audit-verify', 'ok')).getByText(/Chain intact: 34 rows/)).toBeTruthy();
    const log = await tile('audit-log', 'ok');
    expect(within(log).getByText('suppliers.scores')).toBeTruthy();
    fireEvent.click(within(log).getByRole('button', { name: 'AW' }));
    expect(window.location.search).toBe('?domain=aw');
    await waitFor(() => expect(fake.calls.some((c) => c.url.search.includes('domain=aw'))).toBe(true));
  });

  it('shows a broken chain, an empty page and an error', async () => {
    renderView(<AuditView />, { '/api/audit': { body: { ...f.auditPage, items: [] } }, '/api/audit/verify': { body: { ok: false, rows_checked: 5, first_broken_id: 3, reason: 'row_hash mismatch' } } });
    expect(within(await tile('audit-verify', 'ok')).getByText(/broken at row 3: row_hash mismatch/)).toBeTruthy();
    expect(within(await tile('audit-log', 'ok')).getByText(/No audit rows/)).toBeTruthy();
  });

  it('names a missing scope', async () => {
    renderView(<AuditView />, { '/api/audit': problem(403, 'token lacks required scope bi.read'), '/api/audit/verify': { body: f.verified } });
    expect(within(await tile('audit-log', 'error')).getByRole('alert').textContent).toMatch(/You lack the scope bi\.read/);
  });
});

describe('Jobs view', () => {
  it('renders status, duration, error and when; empty and error states', async () => {
    renderView(<JobsView />, { '/api/jobs/aw': { body: f.jobs }, '/api/jobs/wwi': { body: { ...f.jobs, items: [] } } });
    const aw = await tile('jobs-aw', 'ok');
    expect(within(aw).getByText('failed')).toBeTruthy();
    expect(within(aw).getByText('812.5')).toBeTruthy();
    expect(within(aw).getByText('warehouse unavailable')).toBeTruthy();
    expect(within(await tile('jobs-wwi', 'ok')).getByText(/No job runs/)).toBeTruthy();
  });

  it('shows a failed call', async () => {
    renderView(<JobsView />, { '/api/jobs/aw': problem(504, 'aw-service timed out', { service: 'aw-service' }), '/api/jobs/wwi': { body: f.jobs } });
    expect(within(await tile('jobs-aw', 'error')).getByRole('alert').textContent).toMatch(/aw-service timed out/);
  });
});

describe('Reports view', () => {
  it('generates a report and lists its paths and sizes', async () => {
    renderView(<ReportsView />, { 'POST /api/reports/generate': { status: 201, body: f.report } });
    fireEvent.click(screen.getByRole('button', { name: 'Generate report' }));
    const result = await screen.findByTestId('report-result');
    expect(within(result).getByText('/srv/reports/otel-bi-report-x.xlsx')).toBeTruthy();
    expect(within(result).getByText('47.08 KiB')).toBeTruthy();
    expect(within(result).getByText('2.29 MiB')).toBeTruthy();
  });

  it('shows a failure with a retry', async () => {
    renderView(<ReportsView />, { 'POST /api/reports/generate': problem(502, 'wwi-service refused', { service: 'wwi-service' }) });
    fireEvent.click(screen.getByRole('button', { name: 'Generate report' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/wwi-service is unavailable/);
  });
});

describe('Trace links', () => {
  it('links each tile to Tempo when a Tempo URL is configured', async () => {
    renderView(<JobsView />, { '/api/jobs/aw': { body: f.jobs }, '/api/jobs/wwi': { body: f.jobs } }, { ...CONFIG, tempo_url: 'http://grafana.test/explore?trace={trace_id}' });
    const link = within(await tile('jobs-aw', 'ok')).getByRole('link', { name: /trace 0af76519/ });
    expect(link.getAttribute('href')).toBe('http://grafana.test/explore?trace=0af7651916cd43dd8448eb211c80319c');
  });
});
