/**
 * The route table and roles, re-exported for the handlers. Routes are declared once, in
 * shared/schemas/api (see operation.ts there); the table is derived from those declarations.
 */
export * from '../../shared/schemas/api/routes';
