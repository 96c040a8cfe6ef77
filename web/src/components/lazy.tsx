/**
 * The runtime page's panels below its charts (heatmap, model donut, budgets), as their own chunks and drawn one paint
 * after the charts: the first render with data holds only what the viewer looks at first, so the charts reach
 * the screen sooner. Their code starts loading once the first of them has been painted (as a skeleton): loaded
 * when this module ran, their chunks (the budgets' with zod and its fifty schemas) arrived from the cache while the
 * page waited for its answers and were evaluated on the main thread the charts were about to be drawn on.
 */
import { type ComponentType, h, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useAfterPaint } from './after-paint';

/** A component drawn from the module `load` resolves with, one paint after it first mounts. */
function deferred<P extends object>(load: () => Promise<ComponentType<P>>): (props: P) => JSX.Element {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const start = () => {
    loading ??= load().then((c) => {
      loaded = c;
      return c;
    });
    return loading;
  };
  return function Deferred(props: P) {
    const painted = useAfterPaint();
    const [, setReady] = useState(false);
    useEffect(() => {
      if (painted && !loaded) void start().then(() => setReady(true));
    }, [painted]);
    if (!painted || !loaded) {
      return (
        <div class="state state-loading" aria-busy="true">
          <span class="skeleton" />
        </div>
      );
    }
    return h(loaded, props);
  };
}

export const Heatmap = deferred(() => import('./Heatmap').then((m) => m.Heatmap));
/**
 * Budgets, with their forms and the zod schemas of their bodies (shared/budgets.ts builds about fifty when its
 * module runs): none of it is needed for the first charts, so it is neither built nor run before them.
 */
export const BudgetPanel = deferred(() => import('./budget/BudgetPanel').then((m) => m.BudgetPanel));
export const Donut = deferred(() => import('./Donut').then((m) => m.Donut));
