/**
 * An offline schema engine for Prisma's CLI: the native engine's command line
 * and JSON-RPC over stdio, answered by the WebAssembly engine from npm on a
 * pg driver adapter. Prisma's CLI runs it through PRISMA_SCHEMA_ENGINE_BINARY
 * (set by prisma.config.ts), so no engine binary is ever downloaded.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

import { z } from "zod";

import { errorCode } from "../shared/errors.js";
import { runCliCommand } from "./cli-commands.js";
import { writeEngineLog } from "./engine-log.js";
import { EngineSession } from "./engine-session.js";
import { parsePostgresUrl } from "./postgres-target.js";
import { serveJsonRpc } from "./rpc.js";
import { SchemaEngineError } from "./SchemaEngineError.js";
import { engineVersion } from "./wasm.js";

/** Exit codes the CLI understands: 1 an error it prints, 101 a panic. */
const EXIT_ERROR = 1;
const EXIT_PANIC = 101;

const Datasource = z.object({
  url: z.string().optional(),
  shadowDatabaseUrl: z.string().optional(),
});

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      datamodels: { type: "string", multiple: true },
      datasource: { type: "string" },
      "enabled-preview-features": { type: "string" },
      "extension-types": { type: "string" },
      version: { type: "boolean", short: "V" },
    },
  });
}

type CommandLine = ReturnType<typeof parseCommandLine>;

function readDatasource(values: CommandLine["values"]) {
  const datasource = Datasource.parse(values.datasource === undefined ? {} : JSON.parse(values.datasource));
  return {
    main: datasource.url ? parsePostgresUrl(datasource.url) : undefined,
    shadow: datasource.shadowDatabaseUrl ? parsePostgresUrl(datasource.shadowDatabaseUrl) : undefined,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `schema-engine … cli <command>`: one command, its outcome in the exit code and stderr. */
async function runOneShot(values: CommandLine["values"], command: string | undefined): Promise<number> {
  writeEngineLog("INFO", "Starting offline schema engine CLI");
  try {
    const { main } = readDatasource(values);
    if (!main) throw new Error("No database URL was given to the schema engine.");
    await runCliCommand(command, main);
    return 0;
  } catch (error) {
    const code = error instanceof SchemaEngineError ? error.prismaCode : errorCode(error);
    writeEngineLog("ERROR", messageOf(error), code !== undefined ? { error_code: code } : {});
    return EXIT_ERROR;
  }
}

async function createEngineSession(values: CommandLine["values"]): Promise<EngineSession> {
  const datamodels = await Promise.all(
    (values.datamodels ?? []).map(async (path): Promise<[string, string]> => [path, await readFile(path, "utf8")]),
  );
  return new EngineSession({
    datamodels,
    ...readDatasource(values),
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
}

/** The JSON-RPC server the CLI drives; it ends when the CLI closes stdin. */
async function serve(createTable: () => Promise<EngineSession>): Promise<number> {
  let methods: Pick<EngineSession, "handle">;
  let table: EngineSession | undefined;
  try {
    table = await createTable();
    methods = table;
  } catch (error) {
    // Exiting now would pass as success in the CLI (see serveJsonRpc): answer every request with the error instead.
    methods = { handle: () => Promise.reject(error instanceof Error ? error : new Error(String(error))) };
  }

  const poisoned = (error: unknown) => {
    writeEngineLog("ERROR", messageOf(error), { is_panic: true });
    table?.poison(error);
  };
  // The engine's promises settle from inside WebAssembly callbacks, so a panic
  // there escapes every await; it must still reach the CLI as an error.
  process.on("uncaughtException", poisoned);
  process.on("unhandledRejection", poisoned);

  await serveJsonRpc({ input: process.stdin, output: process.stdout, handle: (m, p, peer) => methods.handle(m, p, peer) });
  await table?.close();
  return table?.panicked ? EXIT_PANIC : 0;
}

/** Runs the engine as Prisma's CLI started it; resolves to the exit code the CLI understands. */
export async function runSchemaEngine(argv: string[]): Promise<number> {
  let commandLine: CommandLine;
  try {
    commandLine = parseCommandLine(argv);
  } catch (error) {
    if (argv.includes("cli")) throw error;
    return serve(() => Promise.reject(error instanceof Error ? error : new Error(String(error))));
  }
  const { values, positionals } = commandLine;
  if (values.version) {
    process.stdout.write(`schema-engine-cli ${await engineVersion()}\n`);
    return 0;
  }
  if (positionals[0] === "cli") return runOneShot(values, positionals[1]);
  return serve(() => createEngineSession(values));
}

/** What to log when the engine cannot even start answering. */
export function reportStartFailure(error: unknown): number {
  writeEngineLog("ERROR", messageOf(error));
  return EXIT_ERROR;
}
