/**
 * One benchmark measurement: the real seed process against a fresh migrated
 * database and a quota-realistic Cognito (the fault proxy in front of
 * cognito-local: fixed latency, a token bucket per quota category, 60-user
 * pages), run twice: a first run, then an unchanged re-run. `npm run bench`
 * runs it for several sizes; `npm test` runs a small one to keep its
 * correctness figures (calls made, rows written on the re-run) true.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { COGNITO_PROFILE } from "../src/directory/cognito-directory.js";

import type { CommandReport } from "../src/seed/cli/command-report.js";
import { ROLE_NAMES } from "../src/shared/roles.js";
import { seedDirectly } from "../test/support/commands.js";
import { rowsChanged, rowVersions } from "../test/support/database-state.js";
import type { FaultProxy } from "../test/support/fault-proxy.js";
import { writeManifest } from "../test/support/seed-fixture.js";

/** Cognito's ListUsers quota (UserList category) per account and region. */
export const LIST_USERS_QUOTA_RPS = 30;

export interface BenchResult {
  n: number;
  poolSize: number;
  strategy: string;
  /** Users resolved by the first run: all of them, or some were lost (to throttling, say). */
  resolved: number;
  cognitoCalls: number;
  throttled: number;
  cognitoPhaseMs: number;
  floorMs: number;
  ratioToFloor: number;
  dbFirstRunMs: number;
  dbRerunMs: number;
  rerunRowsWritten: number;
  peakRssMb: number;
}

/** The fewest ListUsers calls that resolve `n` emails in a pool of `poolSize`: one per email, or every page. */
function cheapestCalls(n: number, poolSize: number): number {
  return Math.min(n, Math.ceil(poolSize / COGNITO_PROFILE.pageSize));
}

/** The least time Cognito's quota allows for `calls` ListUsers calls. */
function quotaFloorMs(calls: number): number {
  return (calls / LIST_USERS_QUOTA_RPS) * 1_000;
}

export function emailOf(i: number): string {
  return `bench.user${i}@trust.example.org`;
}

/** A manifest of the first `n` pool users. */
export async function writeBenchManifest(n: number): Promise<string> {
  const users = Array.from({ length: n }, (_, i) => ({
    email: emailOf(i),
    name: `Bench User ${i}`,
    organisation: `Trust ${i % 40}`,
    role: ROLE_NAMES[i % ROLE_NAMES.length]!,
  }));
  return writeManifest(users);
}

async function runSeed(env: Record<string, string>, args: readonly string[]): Promise<CommandReport> {
  const reportPath = path.join(await mkdtemp(path.join(tmpdir(), "flip-db-bench-report-")), "report.json");
  const quiet = { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", LOG_LEVEL: "warn" };
  const result = await seedDirectly(quiet, ["--report", reportPath, ...args], 30 * 60_000);
  if (result.code !== 0) throw new Error(`seed exited ${String(result.code)}:\n${result.stdout}${result.stderr}`);
  return JSON.parse(await readFile(reportPath, "utf8")) as CommandReport;
}

export async function measure(options: {
  n: number;
  poolSize: number;
  poolId: string;
  databaseUrl: string;
  proxy: FaultProxy;
  /** The seed's environment besides the database, pool and endpoint (region, credentials, pace). */
  env: Record<string, string>;
  /** Extra seed flags, e.g. `--lookup filter`. */
  args?: readonly string[];
  /** The calls the floor is taken for; by default the cheapest way to resolve N emails in the pool. */
  floorCalls?: number;
}): Promise<BenchResult> {
  const manifest = await writeBenchManifest(options.n);
  const env = {
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    AWS_COGNITO_USER_POOL_ID: options.poolId,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: options.proxy.endpoint,
    SEED_USERS_FILE: manifest,
  };

  options.proxy.resetCounts();
  const first = await runSeed(env, options.args ?? []);
  const requests = options.proxy.requests;
  const before = await rowVersions(options.databaseUrl);
  const rerun = await runSeed(env, options.args ?? []);
  const after = await rowVersions(options.databaseUrl);

  const cognitoPhaseMs = first.timings.cognitoMs;
  const floorMs = quotaFloorMs(options.floorCalls ?? cheapestCalls(options.n, options.poolSize));
  return {
    n: options.n,
    poolSize: options.poolSize,
    strategy: first.lookup!.strategy,
    resolved: first.counts.resolved,
    cognitoCalls: requests.length,
    throttled: requests.filter((request) => request.outcome === "throttled").length,
    cognitoPhaseMs,
    floorMs: Math.round(floorMs),
    ratioToFloor: Math.round((cognitoPhaseMs / floorMs) * 100) / 100,
    dbFirstRunMs: first.timings.databaseMs,
    dbRerunMs: rerun.timings.databaseMs,
    rerunRowsWritten: rowsChanged(before, after),
    peakRssMb: Math.max(first.peakRssMb, rerun.peakRssMb),
  };
}
