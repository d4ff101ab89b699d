/**
 * The caller's identity, read ONLY from `requestContext.authorizer.jwt.claims`: in AWS the API
 * Gateway JWT authorizer has verified the token and filled them; locally the development server
 * does the same. Handlers never look at the Authorization header.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from './errors';
import { ALL_ROLES, Role } from './routes';

export interface Identity {
  /** The user id (`sub`), written as `actor` on every item the request changes. */
  sub: string;
  roles: readonly Role[];
  /** Set when the token carries an advertiserId claim (always with the `advertiser` role): the only advertiser whose data it may see. */
  advertiserId: string | null;
}

/** Authentication is an HTTP concern, not a domain failure, hence an HttpError rather than a DomainError. */
export class UnauthenticatedError extends HttpError {
  override readonly name = 'UnauthenticatedError';
  constructor(message = 'a valid bearer token is required') {
    super(401, 'unauthenticated', message);
  }
}

const KNOWN_ROLES = new Set<string>(ALL_ROLES);

const MAX_PARSED_ROLES = 1_000;
const parsedRoles = new Map<string, readonly string[] | null>();

/**
 * API Gateway hands array claims over in several spellings depending on the issuer and the
 * authorizer: a real array, a JSON-array string, "[ops approver]", or "ops,approver" / "ops approver".
 */
export function parseRolesClaim(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? (value as string[]) : null;
  if (typeof value !== 'string') return null;
  // Every request carries one of a few role strings, and API Gateway's "[ops approver]" form
  // first fails JSON.parse (a thrown exception per request): parse each string once.
  const known = parsedRoles.get(value);
  if (known !== undefined) return known && [...known];
  const parsed = parseRolesText(value);
  if (parsedRoles.size >= MAX_PARSED_ROLES) parsedRoles.clear();
  parsedRoles.set(value, parsed);
  return parsed && [...parsed];
}

function parseRolesText(value: string): string[] | null {
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parseRolesClaim(parsed);
    } catch {
      // Not JSON: API Gateway's "[a b]" form, handled below.
    }
    return splitRoles(text.slice(1, -1));
  }
  return splitRoles(text);
}

function splitRoles(text: string): string[] {
  return text.split(/[\s,]+/).map((r) => r.replace(/^"|"$/g, '')).filter((r) => r.length > 0);
}

export function identityOf(event: Pick<APIGatewayProxyEventV2, 'requestContext'>): Identity {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown> } };
  };
  const claims = context?.authorizer?.jwt?.claims;
  if (!claims || typeof claims !== 'object') throw new UnauthenticatedError();
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) throw new UnauthenticatedError('the token has no subject');
  const rawRoles = parseRolesClaim(claims.roles);
  if (rawRoles === null) throw new UnauthenticatedError('the token carries no roles claim');
  // Unknown role names grant nothing; they are dropped rather than failing the whole token.
  const roles = [...new Set(rawRoles.filter((r) => KNOWN_ROLES.has(r)))] as Role[];
  // An advertiserId claim confines the token to that advertiser whatever roles it carries (a
  // Cognito user with the attribute who is also put in a staff group stays a tenant); the
  // advertiser role without the claim names no tenant and is refused.
  const claim = claims.advertiserId;
  if (claim !== undefined && claim !== null && (typeof claim !== 'string' || claim.length === 0 || claim.length > 256)) {
    throw new UnauthenticatedError('the advertiserId claim must be a non-empty string');
  }
  const advertiserId = typeof claim === 'string' ? claim : null;
  if (roles.includes(Role.ADVERTISER) && advertiserId === null) {
    throw new UnauthenticatedError('a token with role advertiser must carry an advertiserId claim');
  }
  return { sub, roles, advertiserId };
}
