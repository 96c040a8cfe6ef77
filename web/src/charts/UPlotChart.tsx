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

/** A chart waiting to be drawn: its size and theme read first, then the plot built. */
interface Draw {
  measure(): void;
  build(): void;
}

let queued: Draw[] = [];

/**
 * Draws the charts the last render mounted: every size read first, then every plot built. Each plot adds
 * elements to the page, so reading the next chart's width after it would lay the page out again, once per
 * chart; read together, the page is laid out once. A page calls it from its own layout effect (which runs after
 * its charts'); otherwise it runs at the end of the task, before the paint.
 */
export function drawQueuedCharts(): void {
  const draws = queued;
  queued = [];
  for (const d of draws) d.measure();
  for (const d of draws) d.build();
}

function enqueue(d: Draw): void {
  if (queued.length === 0) queueMicrotask(drawQueuedCharts);
  queued.push(d);
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
    let width = 0;
    let theme: ChartTheme | null = null;
    let u: uPlot | null = null;
    let ro: ResizeObserver | null = null;
    const draw: Draw = {
      measure: () => {
        width = Math.max(120, el.clientWidth);
        theme = themeFromCss(el);
      },
      build: () => {
        if (!theme) return;
        const built = latest.current.build(theme);
        const p = new uPlot({ ...built.options, width, height }, latest.current.data, el);
        u = p;
        plot.current = p;
        ro = new ResizeObserver(() => {
          const w = Math.max(120, el.clientWidth);
          if (w !== p.width) p.setSize({ width: w, height });
        });
        ro.observe(el);
      },
    };
    enqueue(draw);
    return () => {
      queued = queued.filter((d) => d !== draw);
      ro?.disconnect();
      u?.destroy();
      plot.current = null;
    };
  }, [shapeKey, scheme, height]);

  useLayoutEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
