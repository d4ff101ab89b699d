import type { ReactNode } from 'react';
import { toShownError } from '../lib/errors';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <p className="state-title">{title}</p>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/**
 * An API error: its message and field paths. 404 reads "not found" (another advertiser's
 * resource answers 404 too); 412 means someone else changed the thing and offers a reload.
 */
export function ErrorView({ error, what, onReload }: { error: unknown; what?: string; onReload?: () => void }) {
  const shown = toShownError(error);
  if (shown.status === 404) {
    return (
      <div className="state state-error" role="alert">
        <p className="state-title">{what ? `${what} not found` : 'Not found'}</p>
        <p>It does not exist, or it is not yours to see.</p>
      </div>
    );
  }
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">
        {shown.status === 412 ? 'Someone else changed this in the meantime' : 'The request failed'}
        {typeof shown.status === 'number' ? ` (${shown.status} ${shown.code})` : ''}
      </p>
      <p>{shown.message}</p>
      {shown.details.length > 0 ? (
        <ul className="error-details">
          {shown.details.map((d, i) => (
            <li key={`${d.path}-${i}`}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
      {shown.status === 412 || onReload ? (
        <button type="button" className="button" onClick={onReload ?? (() => window.location.reload())}>
          Reload the latest version
        </button>
      ) : null}
    </div>
  );
}
