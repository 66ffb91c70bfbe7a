/** ECharts options for the AW sales history and forecast (dates on time axes, money formatted). */
import type { ChartOption } from '../../components/Chart';
import { fmtMoney } from '../../components/format';
import type { AwForecast, AwHistoryPoint } from '../../api/endpoints';

const moneyAxis = { type: 'value', axisLabel: { formatter: (value: number) => fmtMoney(value) } };
const tooltip = { trigger: 'axis', valueFormatter: (value: number) => fmtMoney(value) };

export function historyOption(points: AwHistoryPoint[]): ChartOption {
  const series = (name: string, pick: (p: AwHistoryPoint) => number) => ({
    name,
    type: 'line',
    showSymbol: points.length < 60,
    data: points.map((p) => [p.period, pick(p)]),
  });
  return {
    tooltip,
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: moneyAxis,
    series: [series('Total', (p) => p.revenue), series('Internet', (p) => p.internet_revenue), series('Reseller', (p) => p.reseller_revenue)],
  };
}

export function forecastOption(forecast: AwForecast): ChartOption {
  const points = forecast.points;
  const level = Math.round(forecast.interval_level * 100);
  return {
    tooltip,
    legend: { top: 0, data: ['Predicted revenue', `${level} % interval`] },
    grid: { left: 8, right: 16, top: 32, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
    yAxis: moneyAxis,
    series: [
      { name: 'lower', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: points.map((p) => [p.date, p.lower_bound]), tooltip: { show: false } },
      {
        name: `${level} % interval`,
        type: 'line',
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { opacity: 0.25 },
        data: points.map((p) => [p.date, p.upper_bound - p.lower_bound]),
        tooltip: { show: false },
      },
      { name: 'Predicted revenue', type: 'line', showSymbol: false, data: points.map((p) => [p.date, p.predicted_revenue]) },
    ],
  };
}
