/**
 * The project's own conformance cases (test/conformance/cases): edges of FORMAT.md that the
 * shared suite leaves open, each with its arithmetic in the case's description.
 */
import { join } from 'node:path';
import { describeCases } from './suite';

describeCases('project conformance cases', join(import.meta.dirname, 'cases'), { name: 'finds the cases', moreThan: 30 });
