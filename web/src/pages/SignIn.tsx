import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { signedIn } from '../app/authSlice';
import { useAppDispatch, useAppSelector } from '../app/hooks';
import { TextField } from '../components/Field';
import { loadAuthConfig, startHostedSignIn, type AuthConfig } from '../lib/auth-config';

const PERSONAS = [
  { persona: 'ops', label: 'Ops', what: 'contracts, amendments, usage' },
  { persona: 'approver', label: 'Approver', what: 'approvals' },
  { persona: 'finance', label: 'Finance', what: 'billing runs, invoices, exports' },
] as const;

export default function SignIn() {
  const dispatch = useAppDispatch();
  const auth = useAppSelector((state) => state.auth);
  const [params] = useSearchParams();
  const next = params.get('next')?.startsWith('/') ? params.get('next')! : '/contracts';
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [configError, setConfigError] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [advertiserId, setAdvertiserId] = useState('');
  const [personaError, setPersonaError] = useState<{ message: string; advertiserId?: string } | null>(null);

  useEffect(() => {
    loadAuthConfig().then(setConfig, (error: Error) => setConfigError(error.message));
  }, []);

  if (auth.token) return <Navigate to={next} replace />;

  const submitToken = (event: FormEvent) => {
    event.preventDefault();
    dispatch(signedIn(token));
  };

  const persona = async (name: string) => {
    setPersonaError(null);
    const response = await fetch('/local/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: name, ...(name === 'advertiser' ? { advertiserId } : {}) }),
    });
    const body = (await response.json()) as { token?: string; error?: { message: string; details: { path: string; message: string }[] } };
    if (!response.ok || !body.token) {
      const field = body.error?.details.find((d) => d.path === 'advertiserId');
      setPersonaError({ message: body.error?.message ?? `the local stack answered ${response.status}`, ...(field ? { advertiserId: field.message } : {}) });
      return;
    }
    dispatch(signedIn(body.token));
  };

  return (
    <main id="main" className="signin">
      <h1>Sign in to CTV billing</h1>
      {configError ? (
        <p role="alert" className="state-error">
          The sign-in settings could not be loaded: {configError}
        </p>
      ) : null}
      {auth.error ? (
        <p role="alert" className="field-error">
          {auth.error}
        </p>
      ) : null}
      {config?.mode === 'cognito' ? (
        <section aria-labelledby="hosted">
          <h2 id="hosted">Company account</h2>
          <button type="button" className="button button-primary" onClick={() => void startHostedSignIn(config, next)}>
            Sign in
          </button>
        </section>
      ) : (
        <>
          <form onSubmit={submitToken} aria-labelledby="with-token">
            <h2 id="with-token">With a token</h2>
            <TextField
              label="Token"
              name="token"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              hint={
                <>
                  Paste the output of <code>npm run --silent token -- --sub alice --roles ops</code>
                </>
              }
            />
            <button type="submit" className="button button-primary">
              Sign in
            </button>
          </form>
          {config?.mode === 'local' ? (
            <section aria-labelledby="personas" className="personas">
              <h2 id="personas">Or as a local persona</h2>
              <ul className="persona-list">
                {PERSONAS.map((p) => (
                  <li key={p.persona}>
                    <button type="button" className="button" onClick={() => void persona(p.persona)}>
                      {p.label}
                    </button>
                    <span className="muted"> {p.what}</span>
                  </li>
                ))}
                <li className="persona-advertiser">
                  <TextField label="Advertiser ID" name="advertiserId" value={advertiserId} onChange={(e) => setAdvertiserId(e.target.value)} error={personaError?.advertiserId} />
                  <button type="button" className="button" onClick={() => void persona('advertiser')}>
                    Advertiser
                  </button>
                  <span className="muted"> their contracts and invoices</span>
                </li>
              </ul>
              {personaError && !personaError.advertiserId ? (
                <p role="alert" className="field-error">
                  {personaError.message}
                </p>
              ) : null}
            </section>
          ) : null}
        </>
      )}
    </main>
  );
}
