/**
 * Fuzz of the GET routes of ROUTES (every other one; the rest in fuzz-reads-b): 2,000
 * generated requests per route (hostile query strings, cursors, path parameters and headers,
 * any role the route allows) through the group's Lambda in-process and 200 through the local
 * HTTP server: no 5xx, every error in the one error shape, and reads change nothing.
 */
import { ROUTES } from '../../shared/schemas/api/routes';
import { fuzzSuite } from './fuzz-runner';
import { quietHandlerLogs } from './support';

quietHandlerLogs();

fuzzSuite('fuzz: read routes never 5xx', ROUTES.filter((r) => r.method === 'GET').filter((_, i) => i % 2 === 0), 3_000);
