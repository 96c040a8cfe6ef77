/**
 * The two colour vocabularies of the dashboard: one colour per token kind and one per model, the same in every
 * chart, legend, tooltip and table. Mid-tone hues so one palette reads on the light and on the dark background.
 */
import type { TokenKind } from '../../../shared/tokens';

// The charts and tables read the kinds from here, beside their colours and labels; the list itself is shared.
export { TOKEN_KINDS as tokenKinds, type TokenKind } from '../../../shared/tokens';

export const kindLabel: Record<TokenKind, string> = {
  input_tokens: 'Input',
  output_tokens: 'Output',
  cache_read_tokens: 'Cache read',
  cache_write_tokens: 'Cache write',
};

export const kindColor: Record<TokenKind, string> = {
  input_tokens: '#3b82f6',
  output_tokens: '#f59e0b',
  cache_read_tokens: '#10b981',
  cache_write_tokens: '#a855f7',
};

/** Cost has its own hue so a cost bar is never read as a token kind. */
export const costColor = '#e15759';

/**
 * Paul Tol's "muted" scheme (colour-blind safe), none of which is a token-kind hue (saturated blue, amber,
 * emerald, violet) or the cost red, so a model is never read as a kind or as cost.
 */
const modelPalette = [
  '#44aa99', // teal
  '#7570b3', // slate violet (Tol's indigo is lost on the dark background)
  '#ddcc77', // sand
  '#882255', // wine
  '#88ccee', // cyan
  '#999933', // olive
  '#aa4499', // purple
  '#117733', // green
  '#cc6677', // rose
  '#6699cc', // steel
  '#aa7744', // brown
  '#888888', // grey
] as const;

/** The families people name most, pinned to a colour each, so Sonnet is the same teal in every workspace. */
const familyColor: [RegExp, number][] = [
  [/sonnet/, 0],
  [/opus/, 1],
  [/haiku/, 2],
  [/codex/, 3],
  [/mini|nano/, 5],
  [/gpt-4o/, 6],
  [/gpt-5|o3|o4/, 4],
];

function preferredIndex(model: string): number {
  const lower = model.toLowerCase();
  for (const [re, i] of familyColor) if (re.test(lower)) return i;
  return hash(model) % modelPalette.length;
}

/** FNV-1a: cheap, stable across reloads and browsers, spreads similar names apart. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** @example modelColor('claude-sonnet-4-5') // always the same palette entry */
export function modelColor(model: string): string {
  return modelPalette[preferredIndex(model)] ?? modelPalette[0];
}

/**
 * Colours for a set of models shown together: each starts at its hashed colour and, when another model of
 * the set already holds it, takes the next free one, so two models on one screen never share a colour (up to
 * the palette's size). Models are placed in name order, so the same set always gets the same colours.
 * @example assignModelColors(['a', 'b']).get('a') // a palette colour, not the one of 'b'
 */
export function assignModelColors(models: Iterable<string>): Map<string, string> {
  const names = [...new Set(models)].sort();
  const taken = new Set<number>();
  const out = new Map<string, string>();
  for (const name of names) {
    let i = preferredIndex(name);
    for (let probe = 0; probe < modelPalette.length && taken.has(i); probe++)
      i = (i + 1) % modelPalette.length;
    taken.add(i);
    out.set(name, modelPalette[i] ?? modelPalette[0]);
  }
  return out;
}

export const paletteSize = modelPalette.length;
