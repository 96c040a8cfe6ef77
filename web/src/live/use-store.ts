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
  useEffect(
    () =>
      store.subscribe(() => {
        if (latest.current.select(store.get()) !== latest.current.selected) rerender(0);
      }),
    [store],
  );
  return selected;
}
