/**
 * zod in the dashboard runs without compiled parsers. zod builds object parsers with `new Function` when eval is
 * allowed, and probes for it when its first object schema is built: the hub's CSP forbids eval, so each page load
 * raised a CSP violation (an event and a report) while its first scripts ran, before the charts. The interpreted
 * parsers are what ran anyway. The build makes each module of shared/ that uses zod import this one first
 * (web/vite.config.ts), so it runs before any schema is built.
 */
import { z } from 'zod';

z.config({ jitless: true });
