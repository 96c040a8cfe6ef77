/** The viewer's colour scheme, live: canvas charts read their axis colours once, so they rebuild on a change. */
import { useEffect, useState } from 'preact/hooks';

const query = '(prefers-color-scheme: dark)';

export function useColorScheme(): 'light' | 'dark' {
  const [dark, setDark] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const mq = matchMedia(query);
    const on = () => setDark(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return dark ? 'dark' : 'light';
}
