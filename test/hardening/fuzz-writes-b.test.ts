/**
 * Fuzz of the second half of the POST and PUT routes of ROUTES (the first half, the method
 * and the guarantees are in fuzz-writes.test.ts; split so each file stays within its time).
 */
import { ROUTES } from '../../shared/schemas/api/routes';
import { fuzzSuite } from './fuzz-runner';
import { quietHandlerLogs } from './support';

quietHandlerLogs();

fuzzSuite('fuzz: write routes never 5xx and store nothing they reject (second half)', ROUTES.filter((r) => r.method !== 'GET').filter((_, i) => i % 2 === 1), 2_000);
