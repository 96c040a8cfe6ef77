/** The top bar: product, workspace name, connection state (live / reconnecting / offline) and sign-out. */
import { useStore, useStoreApi } from '../live/use-store';

const connectionText = {
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  offline: 'offline',
} as const;

export function Header() {
  const store = useStoreApi();
  const me = useStore((s) => s.me);
  const connection = useStore((s) => s.connection);
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        Runtime Hub
      </a>
      <span class="workspace" title="Workspace">
        {me.status === 'ready' ? me.data.workspace.name : ''}
      </span>
      <span class="spacer" />
      <span class={`conn conn-${connection}`} role="status" aria-live="polite" data-connection={connection}>
        <span class="conn-dot" aria-hidden="true" />
        {connectionText[connection]}
      </span>
      <button type="button" class="btn btn-ghost" onClick={() => store.signOut()}>
        Sign out
      </button>
    </header>
  );
}
