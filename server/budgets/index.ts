/** Budgets: spend per period kept with the usage, live state and projection, exactly-once threshold alerts. */
export { type BudgetOptions, BudgetService, DEFAULT_BUDGET_OPTIONS } from './service';
