/**
 * `npm run doctor`: the command line around the checklist. I/O comes in
 * through `DoctorRunDependencies`, whose defaults are the real ones, so tests
 * drive a whole run with fakes and no module mocks.
 */
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE } from "../shared/cli/exit-codes.js";
import { parseFlags, UsageError } from "../shared/cli/usage.js";
import { DEFAULT_USERS_FILE } from "../shared/config/environment.js";
import { createScrubber, secretsFromEnvironment } from "../shared/logging.js";
import { runChecklist, type DoctorDependencies } from "./checks.js";
import { clean, formatResult, formatSummary, type MarkStyle } from "./format.js";
import { checklistFor, type OpenKeycloakProbe } from "./keycloak-checks.js";
import { realDependencies } from "./probes.js";

export const DOCTOR_USAGE = `Usage: npm run doctor -- [--users <file>]
  Checks what a boot needs, in order, one line per check with what to fix:
  configuration, manifest, database reachable, direct connection, migrations, Cognito user pool, Cognito lookups
  (with IDENTITY_PROVIDER=keycloak: Keycloak realm, Keycloak client, Keycloak role, Keycloak lookups instead).
  Reads the same environment as the seed (DATABASE_URL, DIRECT_URL, AWS_REGION, AWS_COGNITO_USER_POOL_ID, ...).
  --users <file>   the users manifest (default: $SEED_USERS_FILE or ${DEFAULT_USERS_FILE})
Exit codes: 0 every check passed, 1 a check failed, 2 usage error.`;

export interface DoctorRunDependencies extends DoctorDependencies {
  /** The checklist (stdout). On a terminal the lines carry marks instead of words. */
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Usage errors (stderr). */
  errors: NodeJS.WritableStream;
  /** Opens the Keycloak checks' probe (default: the directory's KeycloakDiagnosis). */
  openKeycloakProbe?: OpenKeycloakProbe;
}

const OPTIONS = {
  users: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function parseDoctorFlags(argv: readonly string[]): { users: string | undefined; help: boolean } {
  const values = parseFlags(argv, OPTIONS);
  if (values.users === "") throw new UsageError(["--users needs a file name; see --help"]);
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
    flags = parseDoctorFlags(options.argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.errors.write(`doctor: ${clean(error.message, scrub)}\n`);
    return EXIT_USAGE;
  }
  if (flags.help) {
    deps.output.write(`${DOCTOR_USAGE}\n`);
    return EXIT_OK;
  }
  const style: MarkStyle = deps.output.isTTY === true ? "symbols" : "words";
  const results = await runChecklist(
    { env: options.env, usersFile: flags.users, deps },
    (result) => deps.output.write(`${formatResult(result, style, scrub)}\n`),
    checklistFor(options.env, deps.openKeycloakProbe),
  );
  deps.output.write(`${formatSummary(results)}\n`);
  return results.every((result) => result.status === "pass") ? EXIT_OK : EXIT_FATAL;
}
