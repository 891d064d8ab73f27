/**
 * Where `npm run bench` writes, made before anything is written: a fresh
 * clone has no `.tmp/` (it is git-ignored) and the bench may assume nothing
 * exists. The results and chart go to bench/; the seed's reports of the boot
 * breakdown to a directory of their own, removed when the bench ends.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface BenchOutput {
  resultsPath: string;
  chartPath: string;
  /** The JSON report of the seed's `run`th boot-breakdown run. */
  bootReportPath(run: number): string;
  /** Removes the boot reports. */
  remove(): Promise<void>;
}

export async function prepareBenchOutput(benchDirectory: string): Promise<BenchOutput> {
  await mkdir(benchDirectory, { recursive: true });
  const reports = await mkdtemp(path.join(tmpdir(), "flip-db-bench-boot-"));
  return {
    resultsPath: path.join(benchDirectory, "results.json"),
    chartPath: path.join(benchDirectory, "chart.svg"),
    bootReportPath: (run) => path.join(reports, `boot-${run}.json`),
    remove: () => rm(reports, { recursive: true, force: true }),
  };
}
