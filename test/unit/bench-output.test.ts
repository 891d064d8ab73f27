import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { prepareBenchOutput } from "../../bench/output.js";

describe("the bench's output paths", () => {
  let scratch: string | undefined;
  afterEach(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("can all be written where nothing exists yet, as in a fresh clone", async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "flip-db-bench-output-test-"));
    const benchDirectory = path.join(scratch, "clone", "bench");
    const output = await prepareBenchOutput(benchDirectory);
    const written = [output.resultsPath, output.chartPath, output.bootReportPath(0), output.bootReportPath(4)];
    for (const file of written) await writeFile(file, "{}");
    expect(written.every((file) => existsSync(file))).toBe(true);
    expect([path.dirname(output.resultsPath), path.dirname(output.chartPath)]).toEqual([benchDirectory, benchDirectory]);
    // The boot reports are throwaway: not in the repository, gone after the bench.
    expect(output.bootReportPath(0).startsWith(benchDirectory)).toBe(false);
    await output.remove();
    expect(existsSync(path.dirname(output.bootReportPath(0)))).toBe(false);
  });
});
