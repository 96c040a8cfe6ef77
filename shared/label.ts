/**
 * Makes free text from the outside (a folder name, a session id, a user name an agent reported) fit a label of
 * the wire contract: NUL removed, lone surrogates replaced, trimmed, cut to the limit on a code point boundary.
 * Attribution is a nice-to-have on an event: it must never be the reason an event is refused, so it is fitted,
 * not checked.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The label the schema accepts for `value`, or undefined when nothing printable is left.
 * @example
 * fitLabel('  my-repo  '); // 'my-repo'
 * fitLabel('x'.repeat(300))?.length; // 200
 * fitLabel(''); // undefined
 */
export function fitLabel(value: string | undefined, max = 200): string | undefined {
  if (value === undefined) return undefined;
  let s = value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD').trim();
  if (s.length > max) {
    s = s.slice(0, max);
    // A pair cut in half leaves a lone high surrogate at the end: drop it rather than send half a character.
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
    s = s.trimEnd();
  }
  return s.length > 0 ? s : undefined;
}
