/** Preact binding of the store: a component re-renders only when the slice it selects changes identity. */
import { createContext } from 'preact';
import { useContext, useEffect, useReducer, useRef } from 'preact/hooks';
import type { State } from './state';
import type { Store } from './store';

export const StoreContext = createContext<Store | null>(null);

export function useStoreApi(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('StoreContext is not provided');
  return store;
}

export function useStore<T>(select: (s: State) => T): T {
  const store = useStoreApi();
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const selected = select(store.get());
  const latest = useRef({ select, selected });
  latest.current = { select, selected };
  useEffect(() => {
    const check = () => {
      if (latest.current.select(store.get()) !== latest.current.selected) rerender(0);
    };
    const unsubscribe = store.subscribe(check);
    // The state may have changed between the render and this effect (which runs after the paint): an answer
    // that arrived meanwhile is not announced again.
    check();
    return unsubscribe;
  }, [store]);
  return selected;
}
