import { errorCode, FlipDbError } from "../shared/errors.js";

/**
 * A failure of the offline schema engine's own, told in Prisma's vocabulary
 * so that the CLI reacts as it would to the native engine: `prismaCode` is
 * the P-code it prints and acts on (P1003: `migrate deploy` creates the
 * database), and `panic` marks an engine that cannot go on (a WebAssembly
 * trap poisons the instance). Messages name the server and user, never the
 * password.
 */
export class SchemaEngineError extends FlipDbError {
  override name = "SchemaEngineError" as const;
  readonly code = "SCHEMA_ENGINE";
  readonly prismaCode: string | undefined;
  readonly panic: boolean;

  constructor(message: string, options: { prismaCode?: string; panic?: boolean } = {}) {
    super([message]);
    this.prismaCode = options.prismaCode;
    this.panic = options.panic ?? false;
  }

  /** The engine cannot go on. */
  static panic(message: string): SchemaEngineError {
    return new SchemaEngineError(message, { panic: true });
  }
}

/** The P-code of anything a handler throws: ours, or the one Prisma's own errors carry in `code`. */
export function prismaCodeOf(error: unknown): string | undefined {
  if (error instanceof SchemaEngineError) return error.prismaCode;
  const code = errorCode(error);
  return code !== undefined && /^P\d{4}$/.test(code) ? code : undefined;
}
