import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { signedIn } from '../app/authSlice';
import { useAppDispatch } from '../app/hooks';
import { Loading } from '../components/States';
import { finishHostedSignIn, loadAuthConfig } from '../lib/auth-config';

/** Where Cognito's hosted UI sends the browser back with `?code=&state=`. */
export default function AuthCallback() {
  const [params] = useSearchParams();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    (async () => {
      const config = await loadAuthConfig();
      if (config.mode !== 'cognito') throw new Error('this deployment does not use the hosted sign-in');
      const { token, next } = await finishHostedSignIn(config, params);
      dispatch(signedIn(token));
      navigate(next, { replace: true });
    })().catch((e: Error) => setError(e.message));
  }, [dispatch, navigate, params]);
  return (
    <main id="main" className="signin">
      <h1>Signing in</h1>
      {error ? (
        <p role="alert">
          {error} <a href="/sign-in">Sign in again</a>
        </p>
      ) : (
        <Loading what="your session" />
      )}
    </main>
  );
}
