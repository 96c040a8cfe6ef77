/** "12 s ago", re-rendered every second on the shared clock. */
import { ago } from '../lib/format';
import { useNow } from './clock';

export function Ago({ iso }: { iso: string | null }) {
  const now = useNow();
  return (
    <time dateTime={iso ?? undefined} title={iso ? new Date(iso).toLocaleString() : 'never seen'}>
      {ago(iso, now)}
    </time>
  );
}
