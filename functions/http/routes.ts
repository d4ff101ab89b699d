/**
 * The HTTP route table: the single source for the CDK HttpApi routes, the local HTTP server
 * and the OpenAPI document. Each route belongs to one Lambda (a resource group); `roles` are
 * the roles allowed to call it (an advertiser token is further limited to its own data).
 */
export const Role = {
  OPS: 'ops',
  APPROVER: 'approver',
  FINANCE: 'finance',
  ADMIN: 'admin',
  ADVERTISER: 'advertiser',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ALL_ROLES: readonly Role[] = Object.values(Role);

/** One Lambda per resource group; the entry is functions/<group>/handler.ts. */
export const FunctionGroup = {
  PUBLIC: 'public',
  DIRECTORY: 'directory',
  CONTRACTS: 'contracts',
  APPROVALS: 'approvals',
  USAGE: 'usage',
  BILLING: 'billing',
  INVOICES: 'invoices',
} as const;
export type FunctionGroup = (typeof FunctionGroup)[keyof typeof FunctionGroup];

export type HttpMethod = 'GET' | 'POST' | 'PUT';

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/contracts/{id}`. */
  path: string;
  group: FunctionGroup;
  /** Roles allowed; `null` = no token needed. */
  roles: readonly Role[] | null;
  summary: string;
}

const { OPS, APPROVER, FINANCE, ADMIN, ADVERTISER } = Role;
const G = FunctionGroup;

export const ROUTES = [
  { method: 'GET', path: '/v1/health', group: G.PUBLIC, roles: null, summary: 'Liveness' },
  { method: 'GET', path: '/v1/openapi.json', group: G.PUBLIC, roles: null, summary: 'The OpenAPI 3.1 document' },

  { method: 'POST', path: '/v1/advertisers', group: G.DIRECTORY, roles: [OPS, ADMIN], summary: 'Create an advertiser' },
  { method: 'GET', path: '/v1/advertisers/{id}', group: G.DIRECTORY, roles: [OPS, FINANCE, ADMIN, ADVERTISER], summary: 'Read an advertiser' },
  { method: 'POST', path: '/v1/partners', group: G.DIRECTORY, roles: [OPS, ADMIN], summary: 'Create a partner' },
  { method: 'GET', path: '/v1/advertisers', group: G.DIRECTORY, roles: [OPS, FINANCE, ADMIN], summary: 'List advertisers' },
  { method: 'PUT', path: '/v1/advertisers/{id}', group: G.DIRECTORY, roles: [OPS, ADMIN], summary: "Replace an advertiser's name, time zone and billing profile" },
  { method: 'GET', path: '/v1/partners', group: G.DIRECTORY, roles: [OPS, FINANCE, ADMIN], summary: 'List partners' },
  { method: 'GET', path: '/v1/partners/{id}', group: G.DIRECTORY, roles: [OPS, FINANCE, ADMIN], summary: 'Read a partner' },
  { method: 'PUT', path: '/v1/partners/{id}', group: G.DIRECTORY, roles: [OPS, ADMIN], summary: "Rename a partner" },

  { method: 'POST', path: '/v1/contracts', group: G.CONTRACTS, roles: [OPS], summary: 'Create a contract with its first draft version' },
  { method: 'GET', path: '/v1/contracts', group: G.CONTRACTS, roles: [...ALL_ROLES], summary: 'List contracts' },
  { method: 'GET', path: '/v1/contracts/{id}', group: G.CONTRACTS, roles: [...ALL_ROLES], summary: 'Read a contract, its versions and the version in effect today' },
  { method: 'GET', path: '/v1/contracts/{id}/versions/{n}', group: G.CONTRACTS, roles: [...ALL_ROLES], summary: 'Read one version with its terms and approvals' },
  { method: 'PUT', path: '/v1/contracts/{id}/versions/{n}', group: G.CONTRACTS, roles: [OPS], summary: "Replace a draft version's terms" },
  { method: 'POST', path: '/v1/contracts/{id}/amendments', group: G.CONTRACTS, roles: [OPS], summary: 'Draft an amendment version' },
  { method: 'POST', path: '/v1/contracts/{id}/renewals', group: G.CONTRACTS, roles: [OPS], summary: 'Draft a renewal version' },
  { method: 'POST', path: '/v1/contracts/{id}/termination', group: G.CONTRACTS, roles: [OPS], summary: 'Draft a termination' },
  { method: 'GET', path: '/v1/contracts/{id}/audit', group: G.CONTRACTS, roles: [OPS, FINANCE, ADMIN], summary: "The contract's audit trail" },
  { method: 'POST', path: '/v1/contracts/{id}/credits', group: G.CONTRACTS, roles: [OPS], summary: 'Create a credit (make-good) pending approval' },
  { method: 'GET', path: '/v1/contracts/{id}/credits', group: G.CONTRACTS, roles: [OPS, FINANCE, APPROVER, ADVERTISER], summary: "A contract's credits with their status" },

  { method: 'POST', path: '/v1/contracts/{id}/versions/{n}/submit', group: G.APPROVALS, roles: [OPS], summary: 'Submit a draft for approval' },
  { method: 'POST', path: '/v1/contracts/{id}/versions/{n}/approve', group: G.APPROVALS, roles: [APPROVER, FINANCE], summary: 'Approve a version' },
  { method: 'POST', path: '/v1/contracts/{id}/versions/{n}/reject', group: G.APPROVALS, roles: [APPROVER, FINANCE], summary: 'Reject a version' },
  { method: 'POST', path: '/v1/contracts/{id}/credits/{creditId}/approve', group: G.APPROVALS, roles: [APPROVER, FINANCE], summary: 'Approve a credit' },
  { method: 'POST', path: '/v1/contracts/{id}/credits/{creditId}/reject', group: G.APPROVALS, roles: [APPROVER, FINANCE], summary: 'Reject a credit' },

  { method: 'POST', path: '/v1/usage/impressions', group: G.USAGE, roles: [OPS, ADMIN], summary: 'Ingest impression day-records' },
  { method: 'POST', path: '/v1/usage/conversions', group: G.USAGE, roles: [OPS, ADMIN], summary: 'Ingest conversions' },
  { method: 'POST', path: '/v1/usage/conversions/{id}/reversal', group: G.USAGE, roles: [OPS, ADMIN], summary: 'Reverse a conversion' },

  { method: 'POST', path: '/v1/quotes', group: G.BILLING, roles: [OPS, FINANCE], summary: 'Rate a case without storing anything' },
  { method: 'POST', path: '/v1/billing-runs', group: G.BILLING, roles: [FINANCE], summary: 'Start a billing run' },
  { method: 'GET', path: '/v1/billing-runs/{id}', group: G.BILLING, roles: [FINANCE], summary: 'Billing run status and progress' },
  { method: 'GET', path: '/v1/exports', group: G.BILLING, roles: [FINANCE], summary: "A period's finance export files" },
  { method: 'GET', path: '/v1/partners/{id}/statements', group: G.BILLING, roles: [FINANCE], summary: "A partner's payouts for a period" },

  { method: 'GET', path: '/v1/invoices', group: G.INVOICES, roles: [FINANCE, ADVERTISER], summary: 'List invoices' },
  { method: 'GET', path: '/v1/invoices/{id}', group: G.INVOICES, roles: [FINANCE, ADVERTISER], summary: 'Read an invoice with its explained lines' },
  { method: 'POST', path: '/v1/invoices/{id}/finalize', group: G.INVOICES, roles: [FINANCE], summary: 'Finalize a draft invoice' },
  { method: 'POST', path: '/v1/invoices/{id}/void', group: G.INVOICES, roles: [FINANCE], summary: 'Void a finalized invoice with a credit note' },
] as const satisfies readonly RouteDef[];

export type Route = (typeof ROUTES)[number];

/** API Gateway's route key, e.g. `GET /v1/contracts/{id}`. */
export const routeKey = (route: Pick<RouteDef, 'method' | 'path'>) => `${route.method} ${route.path}`;

export const routesOf = (group: FunctionGroup): RouteDef[] => ROUTES.filter((r) => r.group === group);
