/**
 * Every case of the shared conformance suite, through the runner's own code (one test per
 * case), so `npm test` fails exactly when `npm run conformance` does.
 */
import { DEFAULT_CASES_DIR } from '../../scripts/lib/conformance';
import { describeCases } from './suite';

describeCases('conformance suite', DEFAULT_CASES_DIR, { name: 'finds the shared cases', moreThan: 0 });
