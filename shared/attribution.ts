/**
 * The attribution key of usage without a value (a constant apart from the zod schemas, so a page script that
 * only reads filters from the address, like the dashboard's inlined boot script, carries no zod).
 * @example NO_ATTRIBUTION // '(none)'
 */

/** The key of grouped rows (and the filter value) for usage that carries no value of the dimension. */
export const NO_ATTRIBUTION = '(none)';
/** The key of the grouped row that folds every group past the top ones (here for the same reason). */
export const FOLDED_GROUP = 'other';
