/** Exit codes of the seed program. */
export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_USAGE = 2;

/**
 * An error the seed reports to the operator and stops on. `problems` holds
 * one line per problem, each saying what is wrong and what to fix; `code` is a
 * stable identifier for log searches and the JSON report.
 */
export abstract class SeedError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: number;

  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.join("; "), options);
  }
}
