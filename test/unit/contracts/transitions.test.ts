import { describe, expect, it } from 'vitest';
import { ContractStatus, VersionStatus } from '../../../shared/domain/contracts/status';
import {
  CONTRACT_TRANSITIONS,
  ContractAction,
  VERSION_TRANSITIONS,
  VersionAction,
  nextContractStatus,
  nextVersionStatus,
} from '../../../shared/domain/contracts/transitions';
import { ConflictError } from '../../../shared/domain/kernel/errors';

const V = VersionStatus;
const C = ContractStatus;

/** The legal moves, written out by hand so the table is checked against an independent statement. */
const LEGAL_VERSION: Record<string, string> = {
  [`edit:${V.DRAFT}`]: V.DRAFT,
  [`submit:${V.DRAFT}`]: V.PENDING_APPROVAL,
  [`approve:${V.PENDING_APPROVAL}`]: V.APPROVED,
  [`reject:${V.PENDING_APPROVAL}`]: V.REJECTED,
  [`supersede:${V.APPROVED}`]: V.SUPERSEDED,
};

const LEGAL_CONTRACT: Record<string, string> = {
  [`submitInitial:${C.DRAFT}`]: C.PENDING_APPROVAL,
  [`activate:${C.PENDING_APPROVAL}`]: C.ACTIVE,
  [`reopen:${C.PENDING_APPROVAL}`]: C.DRAFT,
  [`keepActive:${C.ACTIVE}`]: C.ACTIVE,
  [`terminate:${C.ACTIVE}`]: C.TERMINATED,
  [`expire:${C.ACTIVE}`]: C.EXPIRED,
};

describe('version transitions', () => {
  for (const action of Object.values(VersionAction)) {
    for (const status of Object.values(V)) {
      const expected = LEGAL_VERSION[`${action}:${status}`];
      it(`${action} from ${status} -> ${expected ?? '409'}`, () => {
        if (expected) expect(nextVersionStatus(status, action)).toBe(expected);
        else {
          expect(() => nextVersionStatus(status, action)).toThrow(ConflictError);
          try { nextVersionStatus(status, action); } catch (e) { expect((e as ConflictError).code).toBe('illegal_transition'); }
        }
      });
    }
  }

  it('terminal states have no way out', () => {
    for (const terminal of [V.REJECTED, V.SUPERSEDED]) {
      expect(Object.values(VERSION_TRANSITIONS).some((row) => row[terminal] !== undefined)).toBe(false);
    }
  });
});

describe('contract transitions', () => {
  for (const action of Object.values(ContractAction)) {
    for (const status of Object.values(C)) {
      const expected = LEGAL_CONTRACT[`${action}:${status}`];
      it(`${action} from ${status} -> ${expected ?? '409'}`, () => {
        if (expected) expect(nextContractStatus(status, action)).toBe(expected);
        else expect(() => nextContractStatus(status, action)).toThrow(ConflictError);
      });
    }
  }

  it('EXPIRED and TERMINATED are final', () => {
    for (const terminal of [C.EXPIRED, C.TERMINATED]) {
      expect(Object.values(CONTRACT_TRANSITIONS).some((row) => row[terminal] !== undefined)).toBe(false);
    }
  });
});
