/** Guard clauses shared by the version actions. */
import { PreconditionFailedError } from '../kernel/errors';
import type { ContractVersion } from './model';

/** Optional If-Match on action routes: 412 when the version changed since the client read it. */
export function assertVersionLock(version: Pick<ContractVersion, 'version'>, expected: number | undefined): void {
  if (expected !== undefined && expected !== version.version) throw new PreconditionFailedError();
}
