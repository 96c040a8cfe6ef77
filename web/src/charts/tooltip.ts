/**
 * A uPlot plugin that shows a small tooltip at the cursor: a title and one coloured line per value. Built with
 * DOM text nodes (never innerHTML) because model names come from the daemons.
 */
import type uPlot from 'uplot';

export interface TooltipLine {
  color?: string;
  label: string;
  value: string;
  strong?: boolean;
}

export interface TooltipContent {
  title: string;
  lines: TooltipLine[];
}

export function tooltipPlugin(content: (idx: number) => TooltipContent | null): uPlot.Plugin {
  let tip: HTMLDivElement | null = null;
  const render = (u: uPlot) => {
    if (!tip) return;
    const idx = u.cursor.idx;
    const c = idx === null || idx === undefined ? null : content(idx);
    if (!c) {
      tip.hidden = true;
      return;
    }
    tip.replaceChildren();
    const title = document.createElement('div');
    title.className = 'tip-title';
    title.textContent = c.title;
    tip.append(title);
    for (const line of c.lines) {
      const row = document.createElement('div');
      row.className = line.strong ? 'tip-row tip-strong' : 'tip-row';
      const sw = document.createElement('span');
      sw.className = 'swatch';
      if (line.color) sw.style.background = line.color;
      const label = document.createElement('span');
      label.textContent = line.label;
      const value = document.createElement('span');
      value.className = 'tip-value';
      value.textContent = line.value;
      row.append(sw, label, value);
      tip.append(row);
    }
    tip.hidden = false;
    const left = u.cursor.left ?? 0;
    const top = u.cursor.top ?? 0;
    const plotW = u.over.clientWidth;
    // Flip to the left of the cursor in the right half so the tooltip never leaves the chart.
    const flip = left > plotW / 2;
    tip.style.transform = `translate(${flip ? `calc(${left}px - 100% - 12px)` : `${left + 12}px`}, ${Math.max(0, top - 10)}px)`;
  };
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tip';
        tip.hidden = true;
        u.over.append(tip);
        u.over.addEventListener('mouseleave', () => {
          if (tip) tip.hidden = true;
        });
      },
      setCursor: render,
      destroy: () => {
        tip?.remove();
        tip = null;
      },
    },
  };
}
