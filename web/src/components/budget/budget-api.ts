/**
 * REST calls of the budget components, bound to the member token; bodies parsed with the shared schemas.
 */
import { z } from 'zod';
import { Budget, BudgetAlert, type BudgetInput, BudgetState } from '../../../../shared/budgets';
import { RestError } from '../../../../shared/errors';
import { ApiError, apiGet } from '../../live/api';

const Deleted = z.object({ id: z.string(), deleted: z.literal(true) });

/** POST/DELETE with a JSON body; the hub's `{ error, code }` becomes an ApiError whose message names the field. */
async function send<S extends z.ZodType>(
  method: 'POST' | 'DELETE',
  path: string,
  token: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('The hub cannot be reached. Check that it is running.', 0, 'unavailable');
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = RestError.safeParse(json);
    throw new ApiError(
      err.success ? err.data.error : `${res.status} ${res.statusText}`,
      res.status,
      err.success ? err.data.code : 'internal',
    );
  }
  return schema.parse(json);
}

export type NewBudget = z.input<typeof BudgetInput>;

export function budgetApi(token: string) {
  const one = (id: string) => `/api/budgets/${encodeURIComponent(id)}`;
  return {
    list: (s?: AbortSignal) => apiGet('/api/budgets', token, Budget.array(), s),
    state: (id: string, s?: AbortSignal) => apiGet(`${one(id)}/state`, token, BudgetState, s),
    alerts: (id: string, s?: AbortSignal) => apiGet(`${one(id)}/alerts`, token, BudgetAlert.array(), s),
    create: (input: NewBudget) => send('POST', '/api/budgets', token, Budget, input),
    remove: (id: string) => send('DELETE', one(id), token, Deleted),
  };
}
