import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

interface Common {
  label: string;
  /** The API field path this control edits; its error shows under it. */
  name: string;
  error?: string | undefined;
  hint?: ReactNode;
}

function Wrapper({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? <div className="field-hint" id={`${id}-hint`}>{hint}</div> : null}
      {error ? (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

const described = (id: string, error?: string, hint?: ReactNode) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField({ label, name, error, hint, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <input id={id} name={name} data-path={name} aria-invalid={error ? true : undefined} aria-describedby={described(id, error, hint)} {...input} />
    </Wrapper>
  );
}

export function SelectField({ label, name, error, hint, children, ...select }: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <select id={id} name={name} data-path={name} aria-invalid={error ? true : undefined} aria-describedby={described(id, error, hint)} {...select}>
        {children}
      </select>
    </Wrapper>
  );
}

export function TextAreaField({ label, name, error, hint, ...area }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <textarea id={id} name={name} data-path={name} aria-invalid={error ? true : undefined} aria-describedby={described(id, error, hint)} {...area} />
    </Wrapper>
  );
}

/** Errors whose paths match no field of the form, listed above its buttons. */
export function OtherErrors({ errors, shown }: { errors: Record<string, string>; shown: readonly string[] }) {
  const rest = Object.entries(errors).filter(([path]) => !shown.includes(path));
  if (rest.length === 0) return null;
  return (
    <ul className="error-details" role="alert">
      {rest.map(([path, message]) => (
        <li key={path}>
          <code>{path}</code>: {message}
        </li>
      ))}
    </ul>
  );
}
