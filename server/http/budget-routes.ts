/**
 * Member-token routes of budgets (CONTRACT.md section 4): create, list, read, change, delete, the live state and
 * the alert delivery log. Another workspace's budget is a 404, like one that does not exist.
 */
import { z } from 'zod';
import { Budget, BudgetAlert, BudgetInput, BudgetPatch, BudgetState } from '../../shared';
import type { BudgetService } from '../budgets';
import { route } from './route';

const BudgetParams = z.object({ id: z.guid().transform((id) => id.toLowerCase()) });
const Deleted = z.object({ id: z.guid(), deleted: z.literal(true) });

const CALLS_OUT =
  'The hub POSTs to webhook_url when a threshold is crossed (JSON `{ alert_id, budget, state, threshold }`, or ' +
  '`{ text }` for a Slack incoming webhook), with an Idempotency-Key header equal to alert_id.';

export function budgetRoutes(budgets: BudgetService) {
  return [
    route({
      method: 'GET',
      url: '/api/budgets',
      summary: 'Budgets of the workspace',
      tag: 'budgets',
      auth: 'member',
      response: z.array(Budget),
      handler: ({ identity }) => budgets.list(identity.workspace_id),
    }),
    route({
      method: 'POST',
      url: '/api/budgets',
      summary: `Create a budget (thresholds default to [50, 80, 100] percent, tz to UTC). ${CALLS_OUT}`,
      tag: 'budgets',
      auth: 'member',
      body: BudgetInput,
      response: Budget,
      handler: ({ identity, body }) => budgets.create(identity.workspace_id, body),
    }),
    route({
      method: 'GET',
      url: '/api/budgets/:id',
      summary: 'One budget',
      tag: 'budgets',
      auth: 'member',
      params: BudgetParams,
      response: Budget,
      handler: ({ identity, params }) => budgets.get(identity.workspace_id, params.id),
    }),
    route({
      method: 'PATCH',
      url: '/api/budgets/:id',
      summary: 'Change a budget (any subset of its fields; webhook_url null removes the webhook)',
      tag: 'budgets',
      auth: 'member',
      params: BudgetParams,
      body: BudgetPatch,
      response: Budget,
      handler: ({ identity, params, body }) => budgets.update(identity.workspace_id, params.id, body),
    }),
    route({
      method: 'DELETE',
      url: '/api/budgets/:id',
      summary: 'Delete a budget (its undelivered alerts are cancelled)',
      tag: 'budgets',
      auth: 'member',
      params: BudgetParams,
      response: Deleted,
      handler: ({ identity, params }) => budgets.remove(identity.workspace_id, params.id),
    }),
    route({
      method: 'GET',
      url: '/api/budgets/:id/state',
      summary: 'Spend of the current period, its projection to the period end and the thresholds crossed',
      tag: 'budgets',
      auth: 'member',
      params: BudgetParams,
      response: BudgetState,
      handler: ({ identity, params }) => budgets.state(identity.workspace_id, params.id),
    }),
    route({
      method: 'GET',
      url: '/api/budgets/:id/alerts',
      summary: 'Threshold crossings and their webhook delivery (status, attempts, last error), newest first',
      tag: 'budgets',
      auth: 'member',
      params: BudgetParams,
      response: z.array(BudgetAlert),
      handler: ({ identity, params }) => budgets.alerts(identity.workspace_id, params.id),
    }),
  ];
}
