/** Sign-in: paste a member token (or arrive through a `#token=` link, handled before this page shows). */
import { useState } from 'preact/hooks';
import { useStore, useStoreApi } from '../live/use-store';

export function SignIn() {
  const store = useStoreApi();
  const message = useStore((s) => s.signInMessage);
  const [token, setToken] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const t = token.trim();
    if (t) store.signIn(t);
  };
  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit}>
        <h1>Runtime Hub</h1>
        <p class="muted">Live token usage and cost of your coding agents.</p>
        {message ? (
          <p class="state-error signin-error" role="alert">
            {message}
          </p>
        ) : null}
        <label for="token">Member token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
          placeholder="Paste a member token"
        />
        <button type="submit" class="btn" disabled={token.trim() === ''}>
          Sign in
        </button>
        <p class="hint">
          The first <code>npx runtime-hub serve</code> prints a sign-in link (<code>…/#token=…</code>). More
          tokens: <code>npx runtime-hub token create --workspace &lt;id&gt; --role member</code>.
        </p>
      </form>
    </main>
  );
}
