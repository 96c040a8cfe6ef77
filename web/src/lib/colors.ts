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

// Tableau-like hues picked to stay apart from each other (no two pinks or greens side by side).
const modelPalette = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#17becf',
  '#bcbd22',
] as const;

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
  return modelPalette[hash(model) % modelPalette.length] ?? modelPalette[0];
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
    let i = hash(name) % modelPalette.length;
    for (let probe = 0; probe < modelPalette.length && taken.has(i); probe++)
      i = (i + 1) % modelPalette.length;
    taken.add(i);
    out.set(name, modelPalette[i] ?? modelPalette[0]);
  }
  return out;
}

export const paletteSize = modelPalette.length;
