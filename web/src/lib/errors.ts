/**
 * API errors as the console shows them: the API's `{ error: { code, message, details } }`
 * read out of RTK Query's error, and field paths (`terms.charges.0.pricing.rate`) mapped to the
 * form fields named with the same paths. Client-side checks produce the same shape from the
 * same zod schemas, so a field shows the same message whether the browser or the API found it.
 */
import type { ErrorDetail } from '../app/types';

export interface ShownError {
  status: number | 'network';
  code: string;
  message: string;
  details: ErrorDetail[];
}

export function toShownError(error: unknown): ShownError {
  const e = error as { status?: unknown; data?: unknown; error?: unknown } | undefined;
  const body = (e?.data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (typeof e?.status === 'number') {
    return {
      status: e.status,
      code: typeof body?.code === 'string' ? body.code : `http_${e.status}`,
      message: typeof body?.message === 'string' ? body.message : `the API answered ${e.status}`,
      details: Array.isArray(body?.details) ? (body.details as ErrorDetail[]).filter((d) => typeof d?.path === 'string') : [],
    };
  }
  return { status: 'network', code: 'network_error', message: typeof e?.error === 'string' ? e.error : 'the API could not be reached', details: [] };
}

/** Field path → first message; paths under `prefix.` are also keyed without it. */
export function fieldErrors(details: readonly ErrorDetail[], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { path, message } of details) {
    const key = prefix && path.startsWith(`${prefix}.`) ? path.slice(prefix.length + 1) : path;
    out[key] ??= message;
  }
  return out;
}

interface ZodIssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/** zod issues as the API reports them (functions/http/middlewares.ts issueDetails): same paths, same messages. */
export function issuesToDetails(issues: readonly ZodIssueLike[], prefix = ''): ErrorDetail[] {
  const join = (path: readonly PropertyKey[]) => [prefix, ...path.map(String)].filter((p) => p !== '').join('.');
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' && issue.keys
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'unknown field' }))
      : [{ path: join(issue.path) || prefix || '(root)', message: issue.message }],
  );
}
