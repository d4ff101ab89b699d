/**
 * The console's routes. Every page is its own chunk (React Router `lazy`), so the sign-in and
 * the first page load only what they use.
 */
import type { ComponentType } from 'react';
import { Navigate, Outlet, createBrowserRouter, useLocation } from 'react-router';
import { useAppSelector } from './app/hooks';
import { Layout } from './components/Layout';
import { Loading } from './components/States';

const page = (load: () => Promise<{ default: ComponentType }>) => async () => ({ Component: (await load()).default });

function RequireSignIn() {
  const signedIn = useAppSelector((state) => state.auth.token !== null);
  const location = useLocation();
  if (!signedIn) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Outlet />;
}

export function createConsoleRouter() {
  return createBrowserRouter([
    {
      HydrateFallback: () => <Loading what="the console" />,
      children: [
    { path: '/sign-in', lazy: page(() => import('./pages/SignIn')) },
    { path: '/auth/callback', lazy: page(() => import('./pages/AuthCallback')) },
    {
      element: <RequireSignIn />,
      children: [
        {
          element: <Layout />,
          children: [
            { index: true, element: <Navigate to="/contracts" replace /> },
            { path: 'contracts', lazy: page(() => import('./pages/ContractsList')) },
            { path: 'contracts/new', lazy: page(() => import('./pages/ContractNew')) },
            { path: 'contracts/:id', lazy: page(() => import('./pages/ContractPage')) },
            { path: 'contracts/:id/versions/:n', lazy: page(() => import('./pages/VersionPage')) },
            { path: 'approvals', lazy: page(() => import('./pages/Approvals')) },
            { path: 'billing-runs', lazy: page(() => import('./pages/BillingRuns')) },
            { path: 'billing-runs/:id', lazy: page(() => import('./pages/BillingRunPage')) },
            { path: 'invoices', lazy: page(() => import('./pages/InvoicesList')) },
            { path: 'invoices/:id', lazy: page(() => import('./pages/InvoicePage')) },
            { path: 'partners', lazy: page(() => import('./pages/PartnerStatements')) },
            { path: 'receivables', lazy: page(() => import('./pages/Receivables')) },
            { path: 'spend', lazy: page(() => import('./pages/Spend')) },
            { path: 'exports', lazy: page(() => import('./pages/Exports')) },
            { path: '*', lazy: page(() => import('./pages/NotFound')) },
          ],
        },
      ],
    },
      ],
    },
  ]);
}
