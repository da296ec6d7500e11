/** Time as the services see it; tests can pass a fixed or advancing one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The ISO 8601 UTC text stored in every timestamp column. */
export const iso = (date: Date): string => date.toISOString();
