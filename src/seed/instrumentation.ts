/**
 * The run's phases on Node's performance timeline (`flip-db:resolve`, ...),
 * so that timing a run needs no clock in the library's options: the command
 * reads the measures into its report, and a library caller may watch them
 * with a `PerformanceObserver`. Whoever starts a run clears them when it ends,
 * so a long-running process does not gather entries.
 */

/** The measures a run makes; `load` is the command's own (code imported once the input is valid). */
export const MEASURES = {
  /** Looking every user up in the directory. */
  resolve: "flip-db:resolve",
  /** Opening the database connection: Prisma compiles its query compiler then, which is code loading. */
  connect: "flip-db:connect",
  /** The one transaction (or the dry run's plan). */
  apply: "flip-db:apply",
  /** The command's imports of the AWS SDK and Prisma's client; overlapping loads measured once. */
  load: "flip-db:load",
} as const;

/** Marked when the seed command's code has loaded: its time is the process' start-up. */
export const STARTUP_MARK = "flip-db:startup";

/** Marks the start of `name` now, and returns its time for `endMeasure`. */
export function startMeasure(name: string): number {
  return performance.mark(`${name}:start`).startTime;
}

export function endMeasure(name: string, start: number): void {
  // From a time, not from the start mark's name: another run clearing its marks cannot make this throw.
  performance.measure(name, { start });
}

/** Runs `work` as the measure `name`. */
export async function measured<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = startMeasure(name);
  try {
    return await work();
  } finally {
    endMeasure(name, start);
  }
}

/** How long the measures named `name` took together, in ms; 0 when none was made. */
export function measuredMs(name: string): number {
  return performance.getEntriesByName(name, "measure").reduce((total, entry) => total + entry.duration, 0);
}

/** The start-up mark's time, 0 when none was made (a run that is not the command's). */
export function startupMs(): number {
  return performance.getEntriesByName(STARTUP_MARK, "mark")[0]?.startTime ?? 0;
}

/** Forgets every mark and measure a run made. */
export function clearRunEntries(): void {
  for (const name of Object.values(MEASURES)) {
    performance.clearMarks(`${name}:start`);
    performance.clearMeasures(name);
  }
  performance.clearMarks(STARTUP_MARK);
}
