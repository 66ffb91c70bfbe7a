/** Every gateway path the SPA uses, typed from the gateway's OpenAPI document (schema.d.ts). */
import type { ApiClient, ApiResult, Download } from './client';
import type { components } from './schema';

type S = components['schemas'];
export type AwKpis = S['SalesKpis'];
export type AwHistory = S['SalesHistory'];
export type AwHistoryPoint = S['HistoryPoint'];
export type AwForecast = S['SalesForecast'];
export type AwRepScores = S['RepScores'];
export type AwProductDemand = S['ProductDemandReport'];
export type WwiKpis = S['SalesKpisResponse'];
export type WwiReorder = S['StockRecommendationsResponse'];
export type WwiReorderItem = S['ReorderRecommendationModel'];
export type WwiSuppliers = S['SupplierScoresResponse'];
export type WwiEvents = S['BusinessEventsResponse'];
export type Scenario = S['ScenarioModel'];
export type ScenarioCreate = S['ScenarioCreate'];
export type Scenarios = S['ScenariosResponse'];
export type AuditPage = S['AuditPage'];
export type ChainVerification = S['ChainVerification'];
export type JobHistory = S['JobHistory'];
export type GeneratedReport = S['GeneratedReport'];

export type ExportView =
  | 'aw/sales-history'
  | 'aw/sales-forecast'
  | 'aw/rep-scores'
  | 'aw/product-demand'
  | 'wwi/stock-recommendations'
  | 'wwi/supplier-scores'
  | 'wwi/business-events';

export function endpoints(api: ApiClient) {
  return {
    awKpis: (): Promise<ApiResult<AwKpis>> => api.get('/api/aw/sales/kpis'),
    awHistory: (daysBack: number): Promise<ApiResult<AwHistory>> =>
      api.get('/api/aw/sales/history', { days_back: daysBack }),
    awForecast: (horizonDays: number): Promise<ApiResult<AwForecast>> =>
      api.get('/api/aw/sales/forecast', { horizon_days: horizonDays }),
    awReps: (topN: number): Promise<ApiResult<AwRepScores>> => api.get('/api/aw/reps/scores', { top_n: topN }),
    awProducts: (topN: number): Promise<ApiResult<AwProductDemand>> =>
      api.get('/api/aw/products/demand', { top_n: topN }),
    wwiKpis: (days: number): Promise<ApiResult<WwiKpis>> => api.get('/api/wwi/sales/kpis', { days }),
    wwiReorder: (): Promise<ApiResult<WwiReorder>> => api.get('/api/wwi/stock/recommendations'),
    wwiSuppliers: (topN: number): Promise<ApiResult<WwiSuppliers>> =>
      api.get('/api/wwi/suppliers/scores', { top_n: topN }),
    wwiEvents: (limit: number): Promise<ApiResult<WwiEvents>> => api.get('/api/wwi/events', { limit }),
    wwiScenarios: (): Promise<ApiResult<Scenarios>> => api.get('/api/wwi/scenarios', { limit: 20 }),
    createScenario: (body: ScenarioCreate): Promise<ApiResult<Scenario>> => api.post('/api/wwi/scenarios', body),
    audit: (domain: string, limit: number, offset: number): Promise<ApiResult<AuditPage>> =>
      api.get('/api/audit', { domain: domain || undefined, limit, offset }),
    auditVerify: (): Promise<ApiResult<ChainVerification>> => api.get('/api/audit/verify'),
    jobs: (service: 'aw' | 'wwi', limit: number): Promise<ApiResult<JobHistory>> =>
      api.get(`/api/jobs/${service}`, { limit }),
    generateReport: (): Promise<ApiResult<GeneratedReport>> => api.post('/api/reports/generate'),
    exportView: (view: ExportView, format: 'xlsx' | 'pdf', params: Record<string, number | string>): Promise<Download> => {
      const [domain, name] = view.split('/');
      return api.download(`/api/${domain}/export/${name}`, { ...params, format });
    },
  };
}

export type Endpoints = ReturnType<typeof endpoints>;
