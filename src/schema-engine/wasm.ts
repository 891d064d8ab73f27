import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";

export type WasmSchemaEngine = bindings.SchemaEngine;

const require = createRequire(import.meta.url);

/**
 * The package's own entry imports the `.wasm` file as an ES module, which
 * needs a bundler or `--experimental-wasm-modules`. Instantiating it here
 * against its generated JS glue does the same on plain Node.
 */
async function loadBindings(): Promise<typeof bindings> {
  // The package exports its JS glue but not the .wasm beside it.
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmPath = path.join(path.dirname(gluePath), "schema_engine_bg.wasm");
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
  });
  const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
  bindings.__wbg_set_wasm(exports);
  exports.__wbindgen_start();
  return bindings;
}

/**
 * Where the engine writes its panic message just before it traps; Prisma's own
 * tools install the same global. The trap itself surfaces as a
 * `WebAssembly.RuntimeError` whose message ("unreachable") says nothing.
 */
class PanicRegistry {
  message: string | undefined;

  set_message(message: string): void {
    this.message = message;
  }
}

const panics = new PanicRegistry();
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry }).PRISMA_WASM_PANIC_REGISTRY = panics;

/** The message of the last engine panic, if any. */
export function lastPanicMessage(): string | undefined {
  return panics.message;
}

let loaded: Promise<typeof bindings> | undefined;

/** The git hash of the engine build, as `prisma version` shows it. */
export async function engineVersion(): Promise<string> {
  loaded ??= loadBindings();
  return (await loaded).version();
}

/** Starts the WebAssembly schema engine on a driver adapter. */
export async function startWasmEngine(
  datamodels: Array<[path: string, content: string]>,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  onLog: (line: string) => void,
): Promise<WasmSchemaEngine> {
  loaded ??= loadBindings();
  const { SchemaEngine } = await loaded;
  return SchemaEngine.new(
    { datamodels: datamodels.length > 0 ? datamodels : undefined },
    onLog,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
