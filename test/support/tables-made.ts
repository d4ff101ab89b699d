/** Tables the running test file made (freshTable); test/support/drop-tables.ts deletes them at its end. */
export const tablesMade = new Set<string>();
