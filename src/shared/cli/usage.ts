/**
 * The command lines' own vocabulary: a usage error, and the flags parsed with
 * node:util's parseArgs, whose messages are reworded into a few words that
 * say what is wrong (they are long, and suggest `--` for positionals, which
 * is wrong here).
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

import { FlipDbError } from "../errors.js";

/** The command line is wrong: an unknown flag, a flag without its value, a stray argument. Exit code 2. */
export class UsageError extends FlipDbError {
  override name = "UsageError" as const;
  readonly code = "USAGE";
}

/** node:util's parse error in a few words: `unknown flag --x`, `--users needs a value`, `unexpected argument y`. */
function describeArgsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  // Node names a flag with a short form as '-h, --help'; the long form is the one to show.
  const option = /'(?:-\w, )?(-{1,2}[^'\s,]*)/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      // "argument missing", or "ambiguous" when the next word is another flag.
      return /does not take an argument/.test(message) ? `${option ?? "flag"} takes no value` : `${option ?? "flag"} needs a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`.trim();
    default:
      return message;
  }
}

/** Parses `argv` strictly (no positionals); anything wrong is a UsageError saying what, and pointing at --help. */
export function parseFlags<Options extends ParseArgsOptionsConfig>(argv: readonly string[], options: Options) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError([`${describeArgsError(error)}; see --help`]);
  }
}
