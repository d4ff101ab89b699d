/** The only source of "now" in the domain: handlers pass the real clock, tests a fixed one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock & { set(iso: string): void; advanceMs(ms: number): void } {
  let current = new Date(iso);
  return {
    now: () => new Date(current.getTime()),
    set: (next) => { current = new Date(next); },
    advanceMs: (ms) => { current = new Date(current.getTime() + ms); },
  };
}
