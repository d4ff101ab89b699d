import { Suspense } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { signedOut } from '../app/authSlice';
import { useAppDispatch, useClaims } from '../app/hooks';
import { navigationFor } from '../app/navigation';
import { Loading } from './States';

/** Signed-in frame: skip link, the role's navigation, who is signed in, and the page. */
export function Layout() {
  const claims = useClaims();
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const links = navigationFor(claims?.roles ?? []);
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">CTV billing</span>
        <span className="who">
          {claims?.sub} · {claims?.roles.join(', ')}
          {claims?.advertiserId ? ` · advertiser ${claims.advertiserId}` : ''}
        </span>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            dispatch(signedOut());
            navigate('/sign-in');
          }}
        >
          Sign out
        </button>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {links.map((link) => (
            <li key={link.to}>
              <NavLink to={link.to}>{link.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
