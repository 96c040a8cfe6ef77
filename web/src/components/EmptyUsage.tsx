/** What to do when there is no usage yet: the command that starts a daemon against this hub. */
export function EmptyUsage({ what = 'No usage yet' }: { what?: string }) {
  const url = typeof location === 'undefined' ? 'http://HOST:3000' : location.origin;
  return (
    <p>
      {what} — start a daemon with{' '}
      <code>npx runtime-hub daemon --url {url} --token &lt;daemon token&gt;</code> on the machine that runs
      your agents.
    </p>
  );
}
