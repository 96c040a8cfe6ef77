/**
 * Who the dashboard speaks to the hub as: the member token (kept in storage across reloads) and the REST client
 * made from it. Each sign-in starts a new Session object, so a load can tell by identity whether its answer
 * still belongs to the current session, and drops it otherwise.
 */
import { type Api, createApi } from './api';
import { TOKEN_KEY } from './storage-keys';

export interface Session {
  readonly token: string;
  readonly api: Api;
}

export class Sessions {
  current: Session | null = null;

  constructor(private readonly storage: Storage) {
    const token = storage.getItem(TOKEN_KEY);
    if (token) this.current = { token, api: createApi(token) };
  }

  signIn(token: string): void {
    this.storage.setItem(TOKEN_KEY, token);
    this.current = { token, api: createApi(token) };
  }

  signOut(): void {
    this.storage.removeItem(TOKEN_KEY);
    this.current = null;
  }

  /** True while `session` is still the signed-in one (no sign-out or new sign-in since it was read). */
  isCurrent(session: Session): boolean {
    return session === this.current;
  }
}
