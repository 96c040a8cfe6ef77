/**
 * The CSP sources of the dashboard's inline scripts: web/dist/index.html carries one small inline script (the
 * runtime page's early fetches, web/src/boot.ts), allowed by its sha256 rather than by 'unsafe-inline'. Read
 * once at start; a dashboard rebuilt while the hub runs keeps working, only without its early fetches until
 * the next start (the browser refuses the script, the app fetches for itself).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/** `'sha256-…'` of each `<script>` without attributes in the HTML. */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(INLINE_SCRIPT)].map(
    ([, code]) =>
      `'sha256-${createHash('sha256')
        .update(code ?? '', 'utf8')
        .digest('base64')}'`,
  );
}

/** The hashes of the file's inline scripts; none when it cannot be read (no dashboard built). */
export function inlineScriptHashesOf(indexHtml: string): string[] {
  try {
    return inlineScriptHashes(readFileSync(indexHtml, 'utf8'));
  } catch {
    return [];
  }
}
