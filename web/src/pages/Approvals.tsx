import { ContractsTable } from './ContractsList';

/** Contracts with a version awaiting approval; the version page shows the diff and the decision. */
export default function Approvals() {
  return <ContractsTable title="Approvals" fixedStatus="PENDING_APPROVAL" />;
}
