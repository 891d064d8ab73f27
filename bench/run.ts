/**
 * `npm run bench`: the seed's performance against the local stack behind a
 * quota-realistic Cognito (20 ms a call, 30 ListUsers a second, 60-user pages),
 * for N = 7, 100, 1,000 and 10,000 users in pools 10% larger. Prints a table
 * and the targets, breaks the 7-user boot down phase by phase against the
 * local stack itself, and times whole boots through flip-db-deploy and the
 * Prisma CLI chain (boot.ts); writes bench/results.json and bench/chart.svg.
 *
 * Ratios, not absolute times, are what to compare across machines: this one
 * is shared and noisy.
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { PreloadedPool } from "../dev/cognito.js";
import { stackEnvironment, startLocalStack } from "../dev/local-stack.js";
import type { CommandReport } from "../src/seed/cli/command-report.js";
import { ROOT, seedDirectly, seedThroughPrisma } from "../test/support/commands.js";
import { startFaultProxy } from "../test/support/fault-proxy.js";
import { createMigratedDatabase } from "../test/support/postgres.js";
import { measureBoots, type BootFigures } from "./boot.js";
import { renderChart } from "./chart.js";
import { median, table } from "./figures.js";
import { emailOf, LIST_USERS_QUOTA_RPS, measure, writeBenchManifest, type BenchResult } from "./measure.js";
import { prepareBenchOutput, type BenchOutput } from "./output.js";

const SIZES = (process.env.BENCH_SIZES ?? "7,100,1000,10000").split(",").map(Number);
const LATENCY_MS = 20;
const BOOT_RUNS = 5;

const poolOf = (n: number): PreloadedPool => ({
  id: `local_bench${n}`,
  users: Array.from({ length: Math.ceil(n * 1.1) }, (_, i) => ({ email: emailOf(i) })),
});

/** The 7-user boot, phase by phase, straight against the local stack (no proxy latency). */
async function bootBreakdown(adminUrl: string, cognitoEndpoint: string, pool: PreloadedPool, output: BenchOutput): Promise<void> {
  const databaseUrl = await createMigratedDatabase(adminUrl, "bench_boot");
  const env = {
    ...stackEnvironment({ databaseUrl, userPoolId: pool.id, cognitoEndpoint }),
    SEED_USERS_FILE: await writeBenchManifest(7),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    LOG_LEVEL: "warn",
  };
  const direct: number[] = [];
  const viaPrisma: number[] = [];
  const reports: CommandReport[] = [];
  for (let run = 0; run < BOOT_RUNS; run++) {
    const reportPath = output.bootReportPath(run);
    const seed = await seedDirectly(env, ["--report", reportPath]);
    if (seed.code !== 0) throw new Error(seed.stdout + seed.stderr);
    direct.push(seed.durationMs);
    reports.push(JSON.parse(await readFile(reportPath, "utf8")) as CommandReport);
    const cli = await seedThroughPrisma(env);
    if (cli.code !== 0) throw new Error(cli.stdout + cli.stderr);
    viaPrisma.push(cli.durationMs);
  }
  const phase = (pick: (timings: CommandReport["timings"]) => number) => Math.round(median(reports.map((r) => pick(r.timings))));
  const work = phase((t) => t.workMs);
  console.log(`\n7-user boot against the local stack, median of ${BOOT_RUNS} runs (re-runs: nothing to write)`);
  console.log(
    table(
      ["phase", "ms"],
      [
        ["npx prisma db seed, whole command", Math.round(median(viaPrisma))],
        ["  of which the Prisma CLI's own start and config", Math.round(median(viaPrisma) - median(direct))],
        ["node --import tsx prisma/seed.ts, whole process", Math.round(median(direct))],
        ["  Node, TypeScript (tsx) and eager imports", phase((t) => t.startupMs)],
        ["  loading: AWS SDK, Prisma client and its query compiler", phase((t) => t.loadingMs)],
        ["  Cognito phase (7 lookups)", phase((t) => t.cognitoMs)],
        ["  database phase (one transaction)", phase((t) => t.databaseMs)],
        ["  the seed's own work after its imports", work],
      ],
    ),
  );
  console.log(`target: the seed's own work after its imports under 150 ms: ${work < 150 ? "met" : "NOT MET"} (${work} ms)`);
}

/** The boot table, side by side, and its targets. */
function printBoots(boots: readonly BootFigures[]): void {
  const cell = (scenario: BootFigures["scenario"], built: boolean, entrypoint: BootFigures["entrypoint"]) =>
    boots.find((b) => b.scenario === scenario && b.built === built && b.entrypoint === entrypoint)!;
  const rows = (["nothing to migrate", "one migration pending"] as const).flatMap((scenario) =>
    [false, true].map((built) => {
      const deploy = cell(scenario, built, "flip-db-deploy");
      const chain = cell(scenario, built, "prisma CLI chain");
      return [
        scenario,
        built ? "yes" : "no",
        deploy.wallMs,
        deploy.cpuMs,
        chain.wallMs,
        chain.cpuMs,
        (deploy.wallMs / chain.wallMs).toFixed(2),
        (deploy.cpuMs / chain.cpuMs).toFixed(2),
      ];
    }),
  );
  console.log(
    `\nWhole boots, 7 users, medians of ${boots[0]?.runs ?? 0} runs each, taken in turns (node bin/deploy.js --wait-for-db 60 against node …/prisma migrate deploy && … db seed)`,
  );
  console.log(table(["boot", "built", "flip-db-deploy ms", "CPU ms", "CLI chain ms", "CPU ms", "wall ratio", "CPU ratio"], rows));
  const unchanged = {
    deploy: cell("nothing to migrate", true, "flip-db-deploy"),
    chain: cell("nothing to migrate", true, "prisma CLI chain"),
  };
  const pending = {
    deploy: cell("one migration pending", true, "flip-db-deploy"),
    chain: cell("one migration pending", true, "prisma CLI chain"),
  };
  const targets: Array<[string, boolean]> = [
    ["unchanged boot after npm run build: at most 25% of the CLI chain", unchanged.deploy.wallMs <= unchanged.chain.wallMs * 0.25],
    ["unchanged boot after npm run build: under 0.6 s", unchanged.deploy.wallMs < 600],
    ["a boot with a pending migration: no slower than the CLI chain", pending.deploy.wallMs <= pending.chain.wallMs],
    ["CPU of an unchanged boot: at most a third of the CLI chain's", unchanged.deploy.cpuMs <= unchanged.chain.cpuMs / 3],
  ];
  console.log("\nBoot targets");
  for (const [label, met] of targets) console.log(`  ${met ? "met    " : "NOT MET"}  ${label}`);
}

const OVERLOAD_N = 300;
const OVERLOAD_RPS = 45;

/** N = 300 looked up one call each at 45 a second against a quota of 30: throttling must slow the seed, not cost users. */
async function overloadRun(
  adminUrl: string,
  proxy: Awaited<ReturnType<typeof startFaultProxy>>,
  pools: PreloadedPool[],
): Promise<BenchResult> {
  const pool = pools.find((candidate) => candidate.users.length >= OVERLOAD_N * 1.1) ?? pools.at(-1)!;
  const databaseUrl = await createMigratedDatabase(adminUrl, "bench_overload");
  const env = {
    ...stackEnvironment({ databaseUrl, userPoolId: pool.id, cognitoEndpoint: proxy.endpoint }),
    SEED_COGNITO_RPS: String(OVERLOAD_RPS),
  };
  // The floor for the work asked for: one call per email.
  const args = ["--lookup", "filter"];
  return measure({ n: OVERLOAD_N, poolSize: pool.users.length, poolId: pool.id, databaseUrl, proxy, env, args, floorCalls: OVERLOAD_N });
}

async function main(): Promise<void> {
  const pools = SIZES.map(poolOf);
  console.log(`Starting PostgreSQL and cognito-local with ${pools.map((p) => p.users.length).join(", ")}-user pools...`);
  const stack = await startLocalStack(() => {}, pools);
  const proxy = await startFaultProxy(stack.cognito.endpoint, {
    latencyMs: LATENCY_MS,
    quotas: { UserList: LIST_USERS_QUOTA_RPS, UserPoolRead: 15 },
    cognitoLike: true,
  });
  const output = await prepareBenchOutput(path.join(ROOT, "bench"));
  try {
    const results: BenchResult[] = [];
    for (const [i, n] of SIZES.entries()) {
      const pool = pools[i]!;
      const databaseUrl = await createMigratedDatabase(stack.postgres.url("postgres"), `bench_${n}`);
      const env = {
        ...stackEnvironment({ databaseUrl, userPoolId: pool.id, cognitoEndpoint: proxy.endpoint }),
        // The whole quota, as in a maintenance window: the floor is defined at it.
        SEED_COGNITO_RPS: String(LIST_USERS_QUOTA_RPS),
      };
      process.stdout.write(`N = ${n}...`);
      const result = await measure({ n, poolSize: pool.users.length, poolId: pool.id, databaseUrl, proxy, env });
      process.stdout.write(` ${result.strategy}, ${result.cognitoPhaseMs} ms\n`);
      results.push(result);
    }

    console.log(
      `\nQuota-realistic Cognito: ${LATENCY_MS} ms a call, ${LIST_USERS_QUOTA_RPS} ListUsers a second, 60-user pages; seed at SEED_COGNITO_RPS=${LIST_USERS_QUOTA_RPS}`,
    );
    console.log(
      table(
        [
          "N",
          "pool",
          "lookup",
          "Cognito calls",
          "throttled",
          "Cognito ms",
          "floor ms",
          "ratio",
          "DB 1st ms",
          "DB re-run ms",
          "re-run rows",
          "peak RSS MB",
        ],
        results.map((r) => [
          r.n,
          r.poolSize,
          r.strategy,
          r.cognitoCalls,
          r.throttled,
          r.cognitoPhaseMs,
          r.floorMs,
          r.ratioToFloor.toFixed(2),
          r.dbFirstRunMs,
          r.dbRerunMs,
          r.rerunRowsWritten,
          r.peakRssMb,
        ]),
      ),
    );

    // Over the quota on purpose: one call per email at 1.5 times the rate Cognito allows.
    const overload = await overloadRun(stack.postgres.url("postgres"), proxy, pools);
    console.log(
      `\nOver the quota: N = ${overload.n} by filter at SEED_COGNITO_RPS=${OVERLOAD_RPS}: ${overload.throttled} calls throttled, ` +
        `${overload.resolved} of ${overload.n} users resolved, Cognito phase ${overload.cognitoPhaseMs} ms (${overload.ratioToFloor.toFixed(2)}x the floor for ${overload.n} calls)`,
    );

    const at = (n: number) => results.find((r) => r.n === n);
    const targets: Array<[string, boolean]> = [
      ["Cognito phase within 1.2x of the floor for N >= 100", results.filter((r) => r.n >= 100).every((r) => r.ratioToFloor <= 1.2)],
      [
        "zero users lost to throttling (every run resolved every user, over the quota too)",
        [...results, overload].every((r) => r.resolved === r.n) && overload.throttled > 0,
      ],
      ["database phase for 10,000 new users under 3 s", (at(10_000)?.dbFirstRunMs ?? Infinity) < 3_000],
      ["unchanged re-run of 10,000 writes 0 rows", at(10_000)?.rerunRowsWritten === 0],
      ["unchanged re-run of 10,000 under 1 s", (at(10_000)?.dbRerunMs ?? Infinity) < 1_000],
      ["peak RSS under 200 MB at 10,000 users", (at(10_000)?.peakRssMb ?? Infinity) < 200],
    ];
    console.log("\nTargets");
    for (const [label, met] of targets) console.log(`  ${met ? "met    " : "NOT MET"}  ${label}`);

    await bootBreakdown(stack.postgres.url("postgres"), stack.cognito.endpoint, pools[0]!, output);
    const boots = await measureBoots({
      adminUrl: stack.postgres.url("postgres"),
      cognitoEndpoint: stack.cognito.endpoint,
      userPoolId: pools[0]!.id,
      runs: BOOT_RUNS,
    });
    printBoots(boots);

    const measuredOn = { node: process.version, cores: os.availableParallelism(), date: new Date().toISOString().slice(0, 10) };
    await writeFile(output.resultsPath, `${JSON.stringify({ measuredOn, seed: results, boot: boots }, null, 2)}\n`);
    await writeFile(output.chartPath, renderChart(results));
    console.log("\nWrote bench/results.json and bench/chart.svg");
  } finally {
    await proxy.close();
    await stack.stop();
    await output.remove();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
