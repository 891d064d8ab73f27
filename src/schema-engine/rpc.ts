import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

import { prismaCodeOf, SchemaEngineError } from "./SchemaEngineError.js";

/** A JSON-RPC 2.0 request as Prisma's CLI sends it, one per stdin line. */
interface RpcRequest {
  id: number | string;
  method: string;
  params?: unknown;
}

/** The `error` member of a response, shaped as the native engine shapes it. */
export interface RpcError {
  code: number;
  message: string;
  data: {
    is_panic: boolean;
    message: string;
    error?: { message: string };
    error_code?: string;
    meta?: Record<string, unknown>;
  };
}

/** What a handler may ask of the CLI while it works. */
export interface RpcPeer {
  /** Has the CLI print `content` on its stdout (how the native engine hands over `migrate diff` output). */
  print(content: string): void;
}

/**
 * Maps anything a handler throws to a response error. Known Prisma errors carry
 * their `P` code, which the CLI prints above the message; a WebAssembly trap is
 * a panic; anything else is reported as it is, never swallowed.
 */
export function toRpcError(error: unknown): RpcError {
  const message = error instanceof Error ? error.message : String(error);
  if ((error instanceof SchemaEngineError && error.panic) || error instanceof WebAssembly.RuntimeError) {
    // The CLI prints `data.error.message` for a panic.
    return { code: 4466, message, data: { is_panic: true, message, error: { message } } };
  }
  const code = prismaCodeOf(error);
  if (code !== undefined) {
    return { code: 4466, message: "An error happened.", data: { is_panic: false, message, error_code: code, meta: {} } };
  }
  return { code: 4466, message: "An error happened.", data: { is_panic: false, message } };
}

/**
 * Serves requests from `input` one at a time, in order, and resolves once
 * `input` has ended and every answer is written.
 *
 * Every request is answered, errors and panics included, and the engine only
 * exits once the CLI closes stdin. Prisma's CLI (7.10) loses an engine that
 * exits on its own: its `stop()` then waits on an unreferenced timer, Node
 * runs out of work, and the command ends with status 0, reporting success
 * for a migration that never ran.
 */
export async function serveJsonRpc(options: {
  input: Readable;
  output: Writable;
  handle: (method: string, params: unknown, peer: RpcPeer) => Promise<unknown>;
}): Promise<void> {
  const { input, output, handle } = options;
  let outgoingId = 0;
  const peer: RpcPeer = {
    // The CLI answers each print before it reads our next line, so the
    // output always lands before the response that follows it.
    print: (content) => {
      outgoingId += 1;
      output.write(`${JSON.stringify({ jsonrpc: "2.0", id: outgoingId, method: "print", params: { content } })}\n`);
    },
  };
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let request: RpcRequest;
    try {
      request = JSON.parse(line) as RpcRequest;
    } catch {
      output.write(`${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } })}\n`);
      continue;
    }
    // The CLI's acknowledgements of our prints carry no method.
    if (typeof request.method !== "string") continue;
    try {
      const result = await handle(request.method, request.params, peer);
      // `undefined` would vanish from the JSON, and the CLI rejects a response without `result`.
      output.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, result: result ?? {} })}\n`);
    } catch (thrown) {
      output.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, error: toRpcError(thrown) })}\n`);
    }
  }
}
