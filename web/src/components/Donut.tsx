/**
 * Model distribution: an SVG donut of token share per model with the total in the middle, and a legend of
 * tokens, share and cost per model, most tokens first. The legend doubles as the chart's text alternative.
 */
import type { ModelSlice } from '../lib/aggregate';
import { compact, exact, percent, usdPrecise } from '../lib/format';
import { modelName } from '../lib/model-name';

const R = 42;
const C = 2 * Math.PI * R;

interface Props {
  slices: ModelSlice[];
  total: number;
  colorOf: (model: string) => string;
}

export function Donut({ slices, total, colorOf }: Props) {
  let offset = 0;
  return (
    <div class="donut-wrap">
      <svg
        viewBox="0 0 120 120"
        class="donut"
        role="img"
        aria-label={`Tokens by model, ${exact(total)} in total`}
      >
        <circle cx="60" cy="60" r={R} class="donut-track" />
        {slices.map((s) => {
          const len = s.share * C;
          const el = (
            <circle
              key={s.model}
              cx="60"
              cy="60"
              r={R}
              fill="none"
              stroke={colorOf(s.model)}
              stroke-width="16"
              stroke-dasharray={`${len} ${C - len}`}
              stroke-dashoffset={-offset}
              transform="rotate(-90 60 60)"
            >
              <title>{`${modelName(s.model)} (${s.model}): ${exact(s.tokens)} tokens (${percent(s.share)})`}</title>
            </circle>
          );
          offset += len;
          return el;
        })}
        <text x="60" y="58" class="donut-total">
          {compact(total)}
        </text>
        <text x="60" y="73" class="donut-sub">
          tokens
        </text>
      </svg>
      <table class="legend-table">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" class="n">
              Tokens
            </th>
            <th scope="col" class="n">
              Share
            </th>
            <th scope="col" class="n">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {slices.map((s) => (
            <tr key={s.model}>
              <td>
                <span class="model-cell" title={s.model}>
                  <span class="swatch" style={{ background: colorOf(s.model) }} />
                  <span class="model-name">{modelName(s.model)}</span>
                </span>
              </td>
              <td class="n" title={exact(s.tokens)}>
                {compact(s.tokens)}
              </td>
              <td class="n">{percent(s.share)}</td>
              <td class="n">{s.cost === null ? <span class="muted">unknown</span> : usdPrecise(s.cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
