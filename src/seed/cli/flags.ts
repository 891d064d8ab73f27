/**
 * The seed command's flags (after `--` in `npx prisma db seed -- <flags>`),
 * validated up front: anything unknown or incomplete is a usage error.
 */
import { parseArgs } from "node:util";

import { parseFlags, UsageError } from "../../shared/cli/usage.js";
import { DEFAULT_USERS_FILE } from "../../shared/config/environment.js";
import { STRATEGY_REQUESTS, type StrategyRequest } from "../strategy.js";

export interface SeedFlags {
  dryRun: boolean;
  strict: boolean;
  users?: string;
  report?: string;
  lookup: StrategyRequest;
  help: boolean;
}

const FLAG_OPTIONS = {
  "dry-run": { type: "boolean" },
  strict: { type: "boolean" },
  users: { type: "string" },
  report: { type: "string" },
  lookup: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const SEED_USAGE = `Usage: npx prisma db seed -- [--dry-run] [--strict] [--users <file>] [--report <file>] [--lookup <how>]
  --dry-run        resolve users and print the plan; write nothing
  --strict         any skipped user makes the run fail (exit 1) and nothing is written
  --users <file>   the users manifest, JSON or (named *.csv) CSV (default: $SEED_USERS_FILE or ${DEFAULT_USERS_FILE})
  --report <file>  also write the run report as JSON
  --lookup <how>   auto (default): whichever needs fewer directory calls; filter: one search
                   call per email; scan: one paginated pass over every account (not for Keycloak)
Exit codes: 0 success, 1 fatal, 2 usage error.`;

/** Parses the flags after `--`; anything unknown or incomplete is a usage error. */
export function parseSeedFlags(argv: readonly string[]): SeedFlags {
  const values = parseFlags(argv, FLAG_OPTIONS);
  for (const name of ["users", "report"] as const) {
    if (values[name] === "") throw new UsageError([`--${name} needs a file name; see --help`]);
  }
  const lookup = values.lookup ?? "auto";
  if (!(STRATEGY_REQUESTS as readonly string[]).includes(lookup)) {
    throw new UsageError([`--lookup must be one of ${STRATEGY_REQUESTS.join(", ")}; see --help`]);
  }
  return {
    dryRun: values["dry-run"] ?? false,
    strict: values.strict ?? false,
    users: values.users,
    report: values.report,
    lookup: lookup as StrategyRequest,
    help: values.help ?? false,
  };
}

/**
 * Finds `--report <file>` in arguments that failed to parse, so that even a
 * usage error is written to the report the operator asked for.
 */
export function findReportPath(argv: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...argv], options: FLAG_OPTIONS, strict: false, allowPositionals: true });
  return typeof values.report === "string" && values.report !== "" ? values.report : undefined;
}
