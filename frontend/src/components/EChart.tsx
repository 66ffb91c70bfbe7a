/**
 * ECharts, imported module by module from echarts/core (the full package is a 1.9 MB bundle).
 * Loaded as its own chunk (see Chart.tsx), in parallel with the first API calls.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

import { usePrefersDark, type ChartProps } from './Chart';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, SVGRenderer]);

export default function EChart({ option, label, height = 280 }: ChartProps) {
  const element = useRef<HTMLDivElement>(null);
  const dark = usePrefersDark();

  useEffect(() => {
    const node = element.current;
    if (!node) return undefined;
    let chart: echarts.ECharts | undefined;
    // Drawn once the element has a size (never in a layout-less test DOM), resized after.
    const draw = () => {
      if (!node.clientWidth) return;
      if (chart) {
        chart.resize();
        return;
      }
      chart = echarts.init(node, dark ? 'dark' : undefined, { renderer: 'svg' });
      chart.setOption({ backgroundColor: 'transparent', ...option });
    };
    draw();
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(draw);
    observer?.observe(node);
    return () => {
      observer?.disconnect();
      chart?.dispose();
    };
  }, [option, dark]);

  return <div ref={element} className="chart" style={{ height }} role="img" aria-label={label} data-testid="chart" />;
}
