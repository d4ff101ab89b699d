/**
 * Schema-valid fuzz of the POST and PUT routes (the second half; the first in
 * fuzz-valid-writes): bodies generated from each route's zod schema reach the handlers, the
 * domain and the repositories, through the local HTTP server and in-process (fuzz-valid-runner.ts):
 * never a 5xx, every error in the one shape, nothing stored by a refused request.
 */
import { ROUTES } from '../../shared/schemas/api/routes';
import { validFuzzSuite } from './fuzz-valid-runner';
import { quietHandlerLogs } from './support';

quietHandlerLogs();

validFuzzSuite('fuzz: schema-valid bodies on write routes (second half)', ROUTES.filter((r) => r.method !== 'GET').filter((_, i) => i % 2 === 1), 6_000);
