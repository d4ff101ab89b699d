/**
 * THE clock of the HTTP routes and the billing run's tasks: `runtimeClock` is what the HTTP kit
 * (functions/http/group.ts) hands every route as `clock`, and what the billing run's and the
 * finance routes' repositories stamp with. A billing run's `asOf` (its start instant), an
 * approval's `recordedAt`, usage's default `receivedAt`, an invoice number's year: all read it.
 *
 * In AWS and under `npm start` it is the system clock and nothing replaces it. It exists as a
 * seam for tests that play out months of billing in seconds: they call
 * `useRuntimeClock(fixedClock(...))` and move that clock, then `useRuntimeClock(undefined)`.
 * It delegates on every call, so modules that took `runtimeClock` when they were loaded see
 * the replacement too; configuration is never read for it.
 */
import { systemClock, type Clock } from '../../shared/domain/kernel/clock';

let current: Clock = systemClock;

export const runtimeClock: Clock = { now: () => current.now() };

/** Replaces the runtime clock (tests only); `undefined` restores the system clock. */
export function useRuntimeClock(clock: Clock | undefined): void {
  current = clock ?? systemClock;
}
