/**
 * How this deployment signs people in, read from /config.json at sign-in: locally a token or a
 * persona (the local stack serves `{ auth: { mode: "local" } }`); in AWS Cognito's hosted UI
 * with the authorization code flow and PKCE (the CDK deployment writes the settings).
 */
export type AuthConfig =
  | { mode: 'local' }
  | { mode: 'token' }
  | { mode: 'cognito'; domain: string; clientId: string; scopes?: string[]; redirectUri?: string };

export async function loadAuthConfig(): Promise<AuthConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const body = (await response.json()) as { auth?: AuthConfig };
  if (!body.auth) throw new Error('/config.json has no "auth" settings');
  return body.auth;
}

const VERIFIER_KEY = 'ctv-console.pkce-verifier';
const STATE_KEY = 'ctv-console.pkce-state';

/** Back to this origin's /auth/callback (one of the app client's registered callback URLs). */
const redirectUri = (config: Extract<AuthConfig, { mode: 'cognito' }>) => config.redirectUri ?? `${window.location.origin}/auth/callback`;

const base64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function randomString(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a PKCE verifier (RFC 7636). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

/** Sends the browser to the hosted UI; the verifier and state wait in sessionStorage. */
export async function startHostedSignIn(config: Extract<AuthConfig, { mode: 'cognito' }>, next: string): Promise<void> {
  const verifier = randomString(48);
  const state = `${randomString(16)}.${base64Url(new TextEncoder().encode(next))}`;
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  sessionStorage.setItem(STATE_KEY, state);
  const url = new URL(`https://${config.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(config),
    scope: (config.scopes ?? ['openid']).join(' '),
    state,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  window.location.assign(url.toString());
}

/** Exchanges the callback's code for tokens; returns the token the API accepts and where to go next. */
export async function finishHostedSignIn(config: Extract<AuthConfig, { mode: 'cognito' }>, search: URLSearchParams): Promise<{ token: string; next: string }> {
  const state = search.get('state');
  const code = search.get('code');
  const expected = sessionStorage.getItem(STATE_KEY);
  const verifier = sessionStorage.getItem(VERIFIER_KEY);
  sessionStorage.removeItem(STATE_KEY);
  sessionStorage.removeItem(VERIFIER_KEY);
  if (search.get('error')) throw new Error(search.get('error_description') ?? search.get('error') ?? 'sign-in failed');
  if (!code || !state || state !== expected || !verifier) throw new Error('the sign-in answer does not match the request (state); sign in again');
  const response = await fetch(`https://${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: config.clientId, code, redirect_uri: redirectUri(config), code_verifier: verifier }),
  });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { id_token?: string; access_token?: string };
  // The API's JWT authorizer wants the access token: it carries the API scope and the app
  // client id, and the pre-token trigger adds roles and advertiserId to it.
  const token = tokens.access_token;
  if (!token) throw new Error('the token endpoint returned no token');
  let next: string;
  try {
    next = new TextDecoder().decode(Uint8Array.from(atob(state.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
  } catch {
    next = '/';
  }
  return { token, next: next.startsWith('/') ? next : '/' };
}
