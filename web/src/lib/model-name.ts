/**
 * The names people say for the models ("Sonnet 4.5", "GPT-5 Codex") from the raw ids agents log
 * ("claude-sonnet-4-5-20250929"); the raw id stays in tooltips. An id we do not recognise is shown as it is.
 */

const DATE_SUFFIX = /-(\d{8}|\d{4}-\d{2}-\d{2})$/;

function title(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `4-5` → `4.5`, `4` → `4`. */
function version(parts: string[]): string {
  return parts.filter((p) => /^\d+$/.test(p)).join('.');
}

/**
 * @example modelName('claude-sonnet-4-5-20250929') // 'Sonnet 4.5'
 * @example modelName('gpt-5-codex') // 'GPT-5 Codex'
 */
export function modelName(model: string): string {
  const id = model.toLowerCase().replace(DATE_SUFFIX, '');
  const claude = /^claude-(?:(opus|sonnet|haiku)-([\d-]+)|([\d-]+)-(opus|sonnet|haiku))$/.exec(id);
  if (claude) {
    const family = claude[1] ?? claude[4] ?? '';
    const v = version((claude[2] ?? claude[3] ?? '').split('-'));
    return `${title(family)} ${v}`.trim();
  }
  const gpt = /^gpt-([\d.]+o?)(?:-(.+))?$/.exec(id);
  if (gpt) {
    const rest = (gpt[2] ?? '').split('-').filter(Boolean);
    const words = rest.map((w) => (w === 'codex' ? 'Codex' : w));
    return [`GPT-${gpt[1]}`, ...words].join(' ');
  }
  return model;
}
