import { PassThrough } from "node:stream";

import { describe, expect, it } from "vitest";

import { serveJsonRpc, toRpcError, type RpcPeer } from "../../../src/schema-engine/rpc.js";
import { SchemaEngineError } from "../../../src/schema-engine/SchemaEngineError.js";

function prismaError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("toRpcError", () => {
  it("keeps a Prisma error code where the CLI prints it", () => {
    const error = toRpcError(prismaError("Database `x` does not exist", "P1003"));
    expect(error.data).toEqual({ is_panic: false, message: "Database `x` does not exist", error_code: "P1003", meta: {} });
  });

  it("reports other errors by message, without a code", () => {
    const error = toRpcError(Object.assign(new Error("boom"), { code: "ECONNRESET" }));
    expect(error.data).toEqual({ is_panic: false, message: "boom" });
    expect(toRpcError("a string").data.message).toBe("a string");
  });

  it("marks engine panics and WebAssembly traps as panics, with the message where the CLI reads it", () => {
    for (const thrown of [SchemaEngineError.panic("panicked at x.rs"), new WebAssembly.RuntimeError("unreachable")]) {
      const error = toRpcError(thrown);
      expect(error.data.is_panic).toBe(true);
      expect(error.data.error?.message).toBe(thrown.message);
    }
  });
});

async function converse(
  requests: unknown[],
  handle: (method: string, params: unknown, peer: RpcPeer) => Promise<unknown>,
): Promise<Array<Record<string, unknown>>> {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = "";
  output.on("data", (chunk: Buffer) => (written += chunk.toString()));
  const served = serveJsonRpc({ input, output, handle });
  for (const request of requests) input.write(typeof request === "string" ? `${request}\n` : `${JSON.stringify(request)}\n`);
  input.end();
  await served;
  return written
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("serveJsonRpc", () => {
  it("answers every request in order, errors included, and only ends when input ends", async () => {
    const answers = await converse(
      [
        { jsonrpc: "2.0", id: 1, method: "slow", params: { n: 1 } },
        { jsonrpc: "2.0", id: 2, method: "fail" },
        "not json",
        { jsonrpc: "2.0", id: 3, method: "void" },
      ],
      async (method, params) => {
        if (method === "slow") {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return params;
        }
        if (method === "fail") throw prismaError("nope", "P3009");
        return undefined;
      },
    );
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, result: { n: 1 } },
      { jsonrpc: "2.0", id: 2, error: expect.objectContaining({ data: expect.objectContaining({ error_code: "P3009" }) }) },
      { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } },
      // The CLI rejects a response whose `result` is missing, so `undefined` becomes `{}`.
      { jsonrpc: "2.0", id: 3, result: {} },
    ]);
  });

  it("answers a panic and keeps serving, so the CLI, not the engine, ends the conversation", async () => {
    const answers = await converse(
      [
        { jsonrpc: "2.0", id: 1, method: "panic" },
        { jsonrpc: "2.0", id: 2, method: "after" },
      ],
      async (method) => {
        if (method === "panic") throw SchemaEngineError.panic("panicked at engine.rs");
        return "still here";
      },
    );
    expect(answers[0]).toMatchObject({ id: 1, error: { data: { is_panic: true, message: "panicked at engine.rs" } } });
    expect(answers[1]).toEqual({ jsonrpc: "2.0", id: 2, result: "still here" });
  });

  it("sends prints before the response and ignores the CLI's acknowledgements", async () => {
    const answers = await converse(
      [
        { jsonrpc: "2.0", id: 7, method: "diff" },
        { jsonrpc: "2.0", id: 1, result: {} },
      ],
      async (_method, _params, peer) => {
        peer.print("-- CreateTable");
        return { exitCode: 2 };
      },
    );
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 1, method: "print", params: { content: "-- CreateTable" } },
      { jsonrpc: "2.0", id: 7, result: { exitCode: 2 } },
    ]);
  });
});
