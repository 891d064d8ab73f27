import { createDatabase } from "./cli-commands.js";
import { MigrationAdapterFactory, type ScriptFailure } from "./postgres-adapter.js";
import { parsePostgresUrl, type PostgresTarget } from "./postgres-target.js";
import type { RpcPeer } from "./rpc.js";
import { SchemaEngineError } from "./SchemaEngineError.js";
import { lastPanicMessage, startWasmEngine, type WasmSchemaEngine } from "./wasm.js";

/** Methods the WebAssembly engine implements under the same name and parameters as the RPC. */
const PASSTHROUGH = new Set([
  "applyMigrations",
  "createMigration",
  "devDiagnostic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "evaluateDataLoss",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
]);

type DbExecuteParams = { datasourceType: { tag: string; url?: string }; script: string };

/** Adds what Postgres said to an engine error that may have put it in other words. */
function withScriptFailure(error: unknown, failure: ScriptFailure | undefined): unknown {
  if (!failure || !(error instanceof Error)) return error;
  error.message = `${error.message}\nDatabase error ${failure.code}: ${failure.message}`;
  return error;
}

/**
 * Answers the CLI's JSON-RPC methods: most go straight to the WebAssembly
 * engine; the few it lacks (creating a database, running a script against
 * another URL) are done here with pg.
 */
export class EngineSession {
  private engine?: Promise<WasmSchemaEngine>;
  private adapters?: MigrationAdapterFactory;
  private panic?: SchemaEngineError;
  private failCurrent?: (error: SchemaEngineError) => void;

  constructor(
    private readonly options: {
      datamodels: Array<[string, string]>;
      main?: PostgresTarget;
      shadow?: PostgresTarget;
      onLog: (line: string) => void;
    },
  ) {}

  /** True once the engine has panicked; every later request is answered with that panic. */
  get panicked(): boolean {
    return this.panic !== undefined;
  }

  async handle(method: string, params: unknown, peer: RpcPeer): Promise<unknown> {
    if (this.panic) throw this.panic;
    const failed = new Promise<never>((_, reject) => (this.failCurrent = reject));
    this.adapters?.takeScriptError();
    try {
      return await Promise.race([this.dispatch(method, params, peer), failed]);
    } catch (error) {
      // A trap leaves the instance unusable; report the engine's own panic message.
      if (error instanceof WebAssembly.RuntimeError) this.panic = SchemaEngineError.panic(lastPanicMessage() ?? error.message);
      throw this.panic ?? withScriptFailure(error, this.adapters?.takeScriptError());
    } finally {
      this.failCurrent = undefined;
    }
  }

  /**
   * A panic inside the engine's own async callbacks escapes every await and
   * leaves the pending request hanging; the process-wide handler reports it
   * here so that request, and every later one, is answered with it.
   */
  poison(error: unknown): void {
    this.panic ??= SchemaEngineError.panic(lastPanicMessage() ?? (error instanceof Error ? error.message : String(error)));
    this.failCurrent?.(this.panic);
  }

  private async dispatch(method: string, params: unknown, peer: RpcPeer): Promise<unknown> {
    if (PASSTHROUGH.has(method)) {
      const engine = (await this.wasmEngine()) as unknown as Record<string, (p: unknown) => Promise<unknown>>;
      return engine[method]!(params);
    }
    switch (method) {
      case "diff": {
        // The WebAssembly engine returns the diff; the native one has the CLI print it.
        const result = await (await this.wasmEngine()).diff(params as Parameters<WasmSchemaEngine["diff"]>[0]);
        if (result.stdout) peer.print(result.stdout.replace(/\n$/, ""));
        return { exitCode: result.exitCode };
      }
      case "getDatabaseVersion":
        return (await this.wasmEngine()).version();
      case "createDatabase":
        return { databaseName: await createDatabase(this.requireMain()) };
      case "dbExecute":
        return this.dbExecute(params as DbExecuteParams);
      case "debugPanic":
        (await this.wasmEngine()).debugPanic();
        throw SchemaEngineError.panic("debugPanic returned instead of panicking");
      default:
        throw new Error(
          `The offline schema engine does not implement "${method}". Set PRISMA_SCHEMA_ENGINE_BINARY to a native schema engine for this command.`,
        );
    }
  }

  /** `db execute --url` may name another database than the engine's own; run the script where it was asked. */
  private async dbExecute(params: DbExecuteParams): Promise<unknown> {
    if (params.datasourceType.tag !== "url" || params.datasourceType.url === undefined) {
      return (await this.wasmEngine()).dbExecute(params as Parameters<WasmSchemaEngine["dbExecute"]>[0]);
    }
    const adapter = await new MigrationAdapterFactory(parsePostgresUrl(params.datasourceType.url)).connect();
    try {
      await adapter.executeScript(params.script);
    } finally {
      await adapter.dispose();
    }
    return {};
  }

  private requireMain(): PostgresTarget {
    if (!this.options.main) {
      throw new Error("No database URL was given to the schema engine: set DATABASE_URL (read by prisma.config.ts).");
    }
    return this.options.main;
  }

  private wasmEngine(): Promise<WasmSchemaEngine> {
    if (!this.engine) {
      this.adapters = new MigrationAdapterFactory(this.requireMain(), this.options.shadow);
      this.engine = startWasmEngine(this.options.datamodels, this.adapters, this.options.onLog);
    }
    return this.engine;
  }

  /** Releases the engine and drops any temporary shadow database it left open. */
  async close(): Promise<void> {
    if (!this.panic) (await this.engine?.catch(() => undefined))?.free();
    await this.adapters?.close();
  }
}
