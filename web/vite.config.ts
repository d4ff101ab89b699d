/**
 * The web console's build: `npm start` and the browser tests build it into web/dist through
 * scripts/lib/web-console.ts (Vite's JavaScript API with this file), and the CDK stack deploys
 * that folder. Every page is its own chunk (React Router lazy routes); the charts library is
 * loaded only by the pages that draw charts.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const LOCAL_API = process.env.CONSOLE_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npx vite web` (hot reload) against a running `npm start`.
  server: { proxy: { '/v1': LOCAL_API, '/local': LOCAL_API, '/config.json': LOCAL_API } },
});
