/**
 * The web console in the local stack: builds `web/` with Vite (once, or on every change in
 * watch mode), serves the built files from the API's origin (so the console needs no CORS),
 * and answers the two local-only routes the console's sign-in page uses:
 *
 * - `GET /config.json`: `{ "auth": { "mode": "local" } }`; in AWS the deployment writes the
 *   Cognito hosted-UI settings to the same file (infra/constructs/web-console.ts).
 * - `POST /local/dev-token` `{ persona, advertiserId? }` → `{ token }`: a development token for
 *   one of the sign-in page's personas. It exists only here: it is not in the route table, so
 *   neither the CDK stack nor the OpenAPI document knows it, and a deployed API has no way to
 *   mint tokens (they come from Cognito there).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { Role } from '../../functions/http/routes';
import { mintDevToken } from './dev-auth';

const root = resolve(import.meta.dirname, '..', '..');
export const WEB_ROOT = join(root, 'web');
export const WEB_DIST = join(WEB_ROOT, 'dist');
/** What the console's code is built from: a change in any of these calls for a rebuild. */
const SOURCES = [join(WEB_ROOT, 'src'), join(WEB_ROOT, 'index.html'), join(WEB_ROOT, 'vite.config.ts'), join(root, 'shared', 'schemas'), join(root, 'package-lock.json')];

export const DEV_TOKEN_PATH = '/local/dev-token';

/** The sign-in page's one-click personas and the roles their development tokens carry. */
export const PERSONAS = {
  ops: { sub: 'olivia.ops', roles: [Role.OPS] },
  approver: { sub: 'arnold.approver', roles: [Role.APPROVER] },
  finance: { sub: 'fiona.finance', roles: [Role.FINANCE] },
  advertiser: { sub: 'adele.advertiser', roles: [Role.ADVERTISER] },
} as const;
export type Persona = keyof typeof PERSONAS;

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** True when web/dist is missing or older than any of its sources. */
export function webBuildIsStale(distDir = WEB_DIST): boolean {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((source) => newestChange(source) > built);
}

/** Builds the console into web/dist unless it is up to date; returns the folder. */
export async function buildWebConsole(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<string> {
  if (!options.force && !webBuildIsStale()) {
    options.log?.('web console: web/dist is up to date');
    return WEB_DIST;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  options.log?.(`web console: built into web/dist in ${Date.now() - started} ms`);
  return WEB_DIST;
}

/** Rebuilds web/dist on every change of its sources (Vite's watch mode); resolves to a stop. */
export async function watchWebConsole(log: (line: string) => void): Promise<() => Promise<void>> {
  const { build } = await import('vite');
  const watcher = (await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { watch: {} } })) as {
    on(event: 'event', listener: (event: { code: string; duration?: number; error?: Error }) => void): void;
    close(): Promise<void>;
  };
  await new Promise<void>((resolveFirst) => {
    watcher.on('event', (event) => {
      if (event.code === 'BUNDLE_END') log(`web console: rebuilt in ${event.duration ?? 0} ms`);
      if (event.code === 'ERROR') log(`web console: build failed: ${event.error?.message ?? 'unknown error'}`);
      if (event.code === 'END' || event.code === 'ERROR') resolveFirst();
    });
  });
  return () => watcher.close();
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The same headers the CloudFront response-headers policy adds in AWS. */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
};

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** `POST /local/dev-token`: a development token for a persona (local stack only). */
async function devToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'use POST', details: [] } });
  const body = (await readJson(req)) as { persona?: unknown; advertiserId?: unknown } | undefined;
  const persona = typeof body?.persona === 'string' && Object.hasOwn(PERSONAS, body.persona) ? (body.persona as Persona) : undefined;
  if (!persona) {
    return sendJson(res, 400, { error: { code: 'validation_failed', message: 'unknown persona', details: [{ path: 'persona', message: `must be one of ${Object.keys(PERSONAS).join(', ')}` }] } });
  }
  const advertiserId = typeof body?.advertiserId === 'string' ? body.advertiserId.trim() : '';
  if (persona === 'advertiser' && !/^[A-Za-z0-9._:-]{1,128}$/.test(advertiserId)) {
    return sendJson(res, 400, { error: { code: 'validation_failed', message: 'the advertiser persona needs an advertiser id', details: [{ path: 'advertiserId', message: 'must be 1-128 letters, digits, or . _ : -' }] } });
  }
  const { sub, roles } = PERSONAS[persona];
  const token = await mintDevToken({ sub, roles, ...(persona === 'advertiser' ? { advertiserId } : {}) });
  sendJson(res, 200, { token });
}

/**
 * The local API's `outsideApi` hook: the dev-token route, /config.json, the built files, and
 * index.html for every other path (the console's client-side routes).
 */
export function webConsoleHandler(distDir = WEB_DIST): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const base = resolve(distDir);
  return async (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (path === DEV_TOKEN_PATH) {
      await devToken(req, res);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/config.json') {
      sendJson(res, 200, { auth: { mode: 'local' } });
      return true;
    }
    const file = normalize(join(base, path));
    const inside = file.startsWith(base + sep);
    const isAsset = inside && existsSync(file) && statSync(file).isFile();
    const target = isAsset ? file : join(base, 'index.html');
    if (!existsSync(target)) {
      sendJson(res, 503, { error: { code: 'console_not_built', message: 'the web console is not built (npm start builds it)', details: [] } });
      return true;
    }
    // Hashed asset names never change content; index.html must be fetched fresh after a rebuild.
    const immutable = isAsset && path.startsWith('/assets/');
    const body = await readFile(target);
    res.writeHead(isAsset || extname(path) === '' ? 200 : 404, {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'content-length': String(body.length),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

/** The console's index.html exists (built at least once). */
export const webConsoleBuilt = (distDir = WEB_DIST) => existsSync(join(distDir, 'index.html')) && readFileSync(join(distDir, 'index.html'), 'utf8').length > 0;
