/**
 * What to do when there is no usage yet: the command that starts a daemon against this hub. Under a filter the
 * usage may well exist, so the sentence then points at the chips instead.
 */
import { isEmptyFilter } from '../lib/filter';
import { useStore } from '../live/use-store';

export function EmptyUsage({ what = 'No usage yet' }: { what?: string }) {
  const filtered = useStore((s) => !isEmptyFilter(s.filter));
  if (filtered) return <p>{what} matches the filter — remove a filter above to see more.</p>;
  const url = typeof location === 'undefined' ? 'http://HOST:3000' : location.origin;
  return (
    <p>
      {what} — start a daemon with{' '}
      <code>npx runtime-hub daemon --url {url} --token &lt;daemon token&gt;</code> on the machine that runs
      your agents.
    </p>
  );
}
