/**
 * The uPlot lifecycle in one component: create on mount, setData on new data, rebuild when the chart's shape
 * or the colour scheme changes, follow the container's width, destroy on unmount.
 */
import 'uplot/dist/uPlot.min.css';
import { useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Built, ChartTheme } from './options';
import { useColorScheme } from './use-color-scheme';

interface Props {
  build: (theme: ChartTheme) => Built;
  data: uPlot.AlignedData;
  /** Changing it rebuilds the plot (for example another number of points); data alone only redraws. */
  shapeKey: string;
  height?: number;
  label: string;
}

function themeFromCss(el: Element): ChartTheme {
  const css = getComputedStyle(el);
  return {
    axis: css.getPropertyValue('--chart-axis').trim() || '#666',
    grid: css.getPropertyValue('--chart-grid').trim() || '#ddd',
  };
}

export function UPlotChart({ build, data, shapeKey, height = 220, label }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ build, data });
  latest.current = { build, data };
  const scheme = useColorScheme();

  // Rebuilt only when the shape or the scheme changes; new data goes through setData below. A layout effect, so
  // the plot is drawn in the same task as the render that brought its data, not a frame or more later.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const built = latest.current.build(themeFromCss(el));
    const u = new uPlot(
      { ...built.options, width: Math.max(120, el.clientWidth), height },
      latest.current.data,
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(120, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shapeKey, scheme, height]);

  useLayoutEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
