/**
 * The left navigation, derived from the API's route table: a link shows when one of the
 * signed-in roles may call the route its page is built on, and only when that route exists.
 */
import { ROUTE_ROLES } from './route-roles';

export interface NavLink {
  label: string;
  to: string;
  /** The route key (`GET /v1/...`) the page reads; its roles decide who sees the link. */
  route: string;
  /** Hidden from these roles even when the route allows them (e.g. partner data for advertisers). */
  hiddenFor?: readonly string[];
}

export const NAV_LINKS: readonly NavLink[] = [
  { label: 'Contracts', to: '/contracts', route: 'GET /v1/contracts' },
  { label: 'Approvals', to: '/approvals', route: 'POST /v1/contracts/{id}/versions/{n}/approve' },
  { label: 'Billing runs', to: '/billing-runs', route: 'POST /v1/billing-runs' },
  { label: 'Invoices', to: '/invoices', route: 'GET /v1/invoices' },
  { label: 'Receivables', to: '/receivables', route: 'GET /v1/receivables' },
  { label: 'Partners', to: '/partners', route: 'GET /v1/partners/{id}/statements' },
  { label: 'Spend', to: '/spend', route: 'GET /v1/contracts/{id}/spend' },
  { label: 'Exports', to: '/exports', route: 'GET /v1/exports' },
];

const rolesByRoute = new Map<string, readonly string[] | null>(Object.entries(ROUTE_ROLES));

/** Whether any of `roles` may call `route`; false for a route the API does not have. */
export function mayUse(route: string, roles: readonly string[]): boolean {
  const allowed = rolesByRoute.get(route);
  if (allowed === undefined) return false;
  return allowed === null || roles.some((role) => allowed.includes(role as never));
}

export function navigationFor(roles: readonly string[], links: readonly NavLink[] = NAV_LINKS): NavLink[] {
  return links.filter((link) => mayUse(link.route, roles) && !roles.every((role) => link.hiddenFor?.includes(role)));
}
