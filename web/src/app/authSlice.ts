/**
 * Who is signed in: the bearer token and the claims the console reads from it (to show only
 * what the roles may use). The token is verified by the API, never here: claims read in the
 * browser only shape the navigation, they grant nothing.
 */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export interface Claims {
  sub: string;
  roles: string[];
  advertiserId: string | null;
  /** Seconds since the epoch; null when the token carries no expiry. */
  exp: number | null;
}

export interface AuthState {
  token: string | null;
  claims: Claims | null;
  /** Why the last token was refused before any request (malformed, no roles). */
  error: string | null;
}

export const initialAuthState: AuthState = { token: null, claims: null, error: null };

function decodeBase64Url(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/**
 * The claims of a JWT (development token or Cognito token), or an error message. Cognito
 * tokens carry roles in `roles` (added by the pre-token trigger) or `cognito:groups`.
 */
export function readClaims(token: string): Claims | string {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts[1]) return 'this is not a token (expected three dot-separated parts)';
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(decodeBase64Url(parts[1])) as Record<string, unknown>;
  } catch {
    return 'this token cannot be read (its payload is not JSON)';
  }
  const rolesClaim = payload.roles ?? payload['cognito:groups'];
  const roles = Array.isArray(rolesClaim) ? rolesClaim.filter((r): r is string => typeof r === 'string') : typeof rolesClaim === 'string' ? rolesClaim.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean) : [];
  if (roles.length === 0) return 'this token carries no roles';
  if (typeof payload.sub !== 'string') return 'this token has no subject (sub)';
  return {
    sub: payload.sub,
    roles,
    advertiserId: typeof payload.advertiserId === 'string' ? payload.advertiserId : null,
    exp: typeof payload.exp === 'number' ? payload.exp : null,
  };
}

const authSlice = createSlice({
  name: 'auth',
  initialState: initialAuthState,
  reducers: {
    signedIn(_state, action: PayloadAction<string>) {
      const claims = readClaims(action.payload);
      if (typeof claims === 'string') return { token: null, claims: null, error: claims };
      return { token: action.payload.trim(), claims, error: null };
    },
    signedOut() {
      return initialAuthState;
    },
    /** The API answered 401: the token expired or was refused. */
    sessionExpired() {
      return { token: null, claims: null, error: 'your session has ended; sign in again' };
    },
  },
});

export const { signedIn, signedOut, sessionExpired } = authSlice.actions;
export const authReducer = authSlice.reducer;

export const hasAnyRole = (claims: Claims | null, roles: readonly string[]) => !!claims && claims.roles.some((r) => roles.includes(r));
