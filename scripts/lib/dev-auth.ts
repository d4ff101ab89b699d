/**
 * Development tokens for the local stack and the API tests. In AWS, Cognito issues the tokens
 * and API Gateway's JWT authorizer verifies them; locally this module plays both parts.
 *
 * The signing key is a fixed HS256 secret checked into the repository ON PURPOSE: it makes
 * tokens printed by `npm run token` valid for any local stack and any test run on a fresh
 * clone, with nothing to generate. It is worthless anywhere else: the deployed API only trusts
 * the Cognito issuer configured on its JWT authorizer, never this issuer.
 */
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';

export const DEV_TOKEN_ISSUER = 'urn:ctv-billing:local-development';
export const DEV_TOKEN_AUDIENCE = 'ctv-billing-api';
const DEV_TOKEN_ALGORITHM = 'HS256';
/** Exported for tests that need a token with foreign claims; it is no secret (see above). */
export const DEV_SIGNING_KEY = new TextEncoder().encode('ctv-billing LOCAL DEVELOPMENT ONLY signing key - never trusted in AWS');

/** Default lifetime of a development token: a working day. */
const DEFAULT_EXPIRES_IN = '8h';

export interface DevTokenInput {
  sub: string;
  /** API roles (`ops`, `approver`, `finance`, `admin`, `advertiser`); not validated here so tests can mint odd tokens. */
  roles: readonly string[];
  /** Required by the API with role `advertiser`; not enforced here for the same reason. */
  advertiserId?: string;
  /** Seconds from `now` (may be negative for an already expired token) or a jose time span such as `'2h'`. */
  expiresIn?: number | string;
  /** Issue time; defaults to the current time. */
  now?: Date;
}

/** The verified payload of a development token, as the JWT carries it (before API Gateway flattens it). */
export interface DevTokenClaims extends JWTPayload {
  sub: string;
  roles: string[];
  advertiserId?: string;
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
}

export async function mintDevToken(input: DevTokenInput): Promise<string> {
  const now = input.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const expiresIn = input.expiresIn ?? DEFAULT_EXPIRES_IN;
  const payload: JWTPayload = { roles: [...input.roles] };
  if (input.advertiserId !== undefined) payload.advertiserId = input.advertiserId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: DEV_TOKEN_ALGORITHM, typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuer(DEV_TOKEN_ISSUER)
    .setAudience(DEV_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setJti(crypto.randomUUID())
    .setExpirationTime(typeof expiresIn === 'number' ? iat + expiresIn : expiresIn)
    .sign(DEV_SIGNING_KEY);
}

/** Why a token was refused; the local API puts it in its 401 message. */
export class DevTokenError extends Error {
  override readonly name = 'DevTokenError';
  readonly code = 'unauthenticated';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Verifies signature, algorithm, issuer, audience and expiry (no clock tolerance) the way the
 * JWT authorizer would, and returns the claims. Throws DevTokenError on any failure.
 */
export async function verifyDevToken(token: string, options: { now?: Date } = {}): Promise<DevTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, DEV_SIGNING_KEY, {
      algorithms: [DEV_TOKEN_ALGORITHM],
      issuer: DEV_TOKEN_ISSUER,
      audience: DEV_TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
      ...(options.now ? { currentDate: options.now } : {}),
    }));
  } catch (error) {
    throw new DevTokenError(describeJoseFailure(error), { cause: error });
  }
  if (!Array.isArray(payload.roles) || !payload.roles.every((r) => typeof r === 'string')) {
    throw new DevTokenError('the token has no "roles" array claim');
  }
  if (payload.advertiserId !== undefined && typeof payload.advertiserId !== 'string') {
    throw new DevTokenError('the "advertiserId" claim must be a string');
  }
  return payload as DevTokenClaims;
}

function describeJoseFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token claim "${error.claim}" is invalid: ${error.reason}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  if (error instanceof joseErrors.JOSEError) return `the token is malformed (${error.code})`;
  return 'the token could not be verified';
}
