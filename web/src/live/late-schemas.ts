/**
 * The schemas of the REST answers no first render reads: the runtimes list and the caller's identity, asked for
 * once the socket is up. api.ts loads this module with those calls, and the web build gives it its own instance of
 * shared/schemas.ts (web/vite.config.ts), so the page's first scripts do not build them.
 */
import { Me, Runtime } from '../../../shared/schemas';

export { Me };
export const Runtimes = Runtime.array();
