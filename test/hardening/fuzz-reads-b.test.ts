/** Fuzz of the other half of the GET routes of ROUTES (see fuzz-reads.test.ts), split for time. */
import { ROUTES } from '../../shared/schemas/api/routes';
import { fuzzSuite } from './fuzz-runner';
import { quietHandlerLogs } from './support';

quietHandlerLogs();

fuzzSuite('fuzz: read routes never 5xx (second half)', ROUTES.filter((r) => r.method === 'GET').filter((_, i) => i % 2 === 1), 4_000);
