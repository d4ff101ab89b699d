/**
 * The web console's build: `npm start` and the browser tests build it into web/dist through
 * scripts/lib/web-console.ts (Vite's JavaScript API with this file), and the CDK stack deploys
 * that folder. Every page is its own chunk (React Router lazy routes); the charts library is
 * loaded only by the pages that draw charts.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { ROUTES } from '../shared/schemas/api/routes';
import { routeRolesOf } from './src/app/route-roles';

const here = fileURLToPath(new URL('.', import.meta.url));
const ROUTE_ROLES_MODULE = fileURLToPath(new URL('./src/app/route-roles.ts', import.meta.url));

/** The route → roles table as JSON in place of web/src/app/route-roles.ts (no schemas in the bundle). */
function routeRolesAsJson(): Plugin {
  return {
    name: 'route-roles',
    enforce: 'pre',
    load(id) {
      if (id.split('?')[0] !== ROUTE_ROLES_MODULE) return null;
      return `export const ROUTE_ROLES = ${JSON.stringify(routeRolesOf(ROUTES))};\nexport const routeRolesOf = () => ROUTE_ROLES;\n`;
    },
  };
}

const LOCAL_API = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [routeRolesAsJson(), react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // .vite/manifest.json: what each first screen loads (its gzipped size is tested).
    manifest: true,
  },
  // `npx vite web` (hot reload) against a running `npm start`.
  server: { proxy: { '/v1': LOCAL_API, '/local': LOCAL_API, '/config.json': LOCAL_API } },
});
