/**
 * `npm run doctor`: the command line around the checklist. I/O comes in
 * through `DoctorRunDependencies`, whose defaults are the real ones, so tests
 * drive a whole run with fakes and no module mocks.
 */
import { parseArgs } from "node:util";

import { DEFAULT_USERS_FILE } from "../config.js";
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from "../errors/index.js";
import { createScrubber, secretsFromEnvironment } from "../log.js";
import { runChecklist, type DoctorDependencies } from "./checks.js";
import { clean, formatResult, formatSummary, type MarkStyle } from "./format.js";
import { realDependencies } from "./probes.js";

export const USAGE = `Usage: npm run doctor -- [--users <file>]
  Checks what a boot needs, in order, one line per check with what to fix:
  configuration, manifest, database reachable, migrations, Cognito user pool, Cognito lookups.
  Reads the same environment as the seed (DATABASE_URL, AWS_REGION, AWS_COGNITO_USER_POOL_ID, ...).
  --users <file>   the users manifest (default: $SEED_USERS_FILE or ${DEFAULT_USERS_FILE})
Exit codes: 0 every check passed, 1 a check failed, 2 usage error.`;

export interface DoctorRunDependencies extends DoctorDependencies {
  /** The checklist (stdout). On a terminal the lines carry marks instead of words. */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Usage errors (stderr). */
  errors: NodeJS.WritableStream;
}

const OPTIONS = {
  users: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

class UsageProblem extends Error {
  override name = "UsageProblem" as const;
}

/** node:util's messages are long and suggest `--` for positionals; say what is wrong in a few words. */
function describeArgsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  // "Option '-h, --help' does not take an argument": the long name is the one to show.
  const option = /'(?:-\w, )?(-{1,2}[^'\s,]*)/.exec(message)?.[1] ?? "flag";
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${option}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(message) ? `${option} takes no value` : `${option} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`.trim();
    default:
      return message;
  }
}

function parseFlags(argv: readonly string[]): { users: string | undefined; help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageProblem(`${describeArgsError(error)}; see --help`);
  }
  if (values.users === "") throw new UsageProblem("--users needs a file name; see --help");
  return { users: values.users, help: values.help ?? false };
}

/** Runs the doctor; resolves to the exit code. */
export async function runDoctor(
  options: { argv: readonly string[]; env: NodeJS.ProcessEnv },
  overrides: Partial<DoctorRunDependencies> = {},
): Promise<number> {
  const deps: DoctorRunDependencies = { ...realDependencies(), output: process.stdout, errors: process.stderr, ...overrides };
  const scrub = createScrubber(secretsFromEnvironment(options.env));
  let flags;
  try {
    flags = parseFlags(options.argv);
  } catch (error) {
    if (!(error instanceof UsageProblem)) throw error;
    deps.errors.write(`doctor: ${clean(error.message, scrub)}\n`);
    return EXIT_USAGE;
  }
  if (flags.help) {
    deps.output.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  const style: MarkStyle = deps.output.isTTY === true ? "symbols" : "words";
  const results = await runChecklist({ env: options.env, usersFile: flags.users, deps }, (result) =>
    deps.output.write(`${formatResult(result, style, scrub)}\n`),
  );
  deps.output.write(`${formatSummary(results)}\n`);
  return results.every((result) => result.status === "pass") ? EXIT_OK : EXIT_FATAL;
}
