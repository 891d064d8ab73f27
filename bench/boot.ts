/**
 * The boot table of `npm run bench`: a replica's whole boot, as its
 * entrypoint runs it, through `flip-db-deploy` (`node bin/deploy.js`) and
 * through the Prisma CLI chain it replaces (`prisma migrate deploy && prisma
 * db seed`, both without npx), on a database with nothing to migrate and on
 * one with a migration pending, from the TypeScript sources and after
 * `npm run build`. Medians of several runs each, taken in turns so that the
 * machine's noise falls on both alike; CPU is the boot's processes' own
 * (user + system), read from what the kernel counts for this process'
 * finished children.
 */
import { readFileSync } from "node:fs";

import { createDatabase, stackEnvironment } from "../dev/local-stack.js";
import { copyOfPackage, type PackageCopy } from "../test/support/package-copy.js";
import { runCommand } from "../test/support/run-command.js";
import { median } from "./figures.js";
import { writeBenchManifest } from "./measure.js";

type BootScenario = "nothing to migrate" | "one migration pending";
type Entrypoint = "flip-db-deploy" | "prisma CLI chain";

export interface BootFigures {
  scenario: BootScenario;
  built: boolean;
  entrypoint: Entrypoint;
  runs: number;
  /** Medians. */
  wallMs: number;
  cpuMs: number;
}

/** A migration to leave pending: cheap, and named after every real one. */
const PENDING_MIGRATION = ["29991231000000_bench_pending", 'CREATE INDEX "bench_profile_name_idx" ON "user_profile"("name");\n'] as const;

/** CPU of this process' finished (and waited-for) children, their own children included: /proc's cutime + cstime. */
function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  // Fields after the command name, which sits in parentheses and may hold spaces; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]);
  // /proc counts in USER_HZ, 100 a second on Linux.
  return ticks * 10;
}

async function succeed(label: string, run: ReturnType<typeof runCommand>): Promise<number> {
  const result = await run;
  if (result.code !== 0) throw new Error(`${label} exited ${String(result.code)}:\n${result.stdout}${result.stderr}`);
  return result.durationMs;
}

/** One boot; its wall time and CPU. */
async function boot(copy: PackageCopy, entrypoint: Entrypoint, env: Record<string, string>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpuBefore = childrenCpuMs();
  const options = { cwd: copy.root, env, timeoutMs: 300_000 };
  let wallMs: number;
  if (entrypoint === "flip-db-deploy") {
    wallMs = await succeed(entrypoint, runCommand("node", ["bin/deploy.js", "--wait-for-db", "60"], options));
  } else {
    const cli = "node_modules/prisma/build/index.js";
    wallMs = await succeed("prisma migrate deploy", runCommand("node", [cli, "migrate", "deploy"], options));
    wallMs += await succeed("prisma db seed", runCommand("node", [cli, "db", "seed"], options));
  }
  return { wallMs, cpuMs: childrenCpuMs() - cpuBefore };
}

export interface BootBenchOptions {
  adminUrl: string;
  cognitoEndpoint: string;
  userPoolId: string;
  runs: number;
}

export async function measureBoots(options: BootBenchOptions): Promise<BootFigures[]> {
  const copy = await copyOfPackage();
  try {
    await copy.addMigration(...PENDING_MIGRATION);
    const manifest = await writeBenchManifest(7);
    const environmentOf = (databaseUrl: string) => ({
      ...stackEnvironment({ databaseUrl, userPoolId: options.userPoolId, cognitoEndpoint: options.cognitoEndpoint }),
      SEED_USERS_FILE: manifest,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      LOG_LEVEL: "warn",
    });
    const cli = ["node_modules/prisma/build/index.js", "migrate", "deploy"];
    // Templates: every migration applied (and the users seeded, so that a boot writes nothing), and all but the pending one.
    const upToDate = await createDatabase(options.adminUrl, "bench_boot_up_to_date");
    await succeed("migrate deploy", runCommand("node", cli, { cwd: copy.root, env: environmentOf(upToDate) }));
    await succeed(
      "db seed",
      runCommand("node", ["node_modules/prisma/build/index.js", "db", "seed"], { cwd: copy.root, env: environmentOf(upToDate) }),
    );
    const behind = await createDatabase(options.adminUrl, "bench_boot_behind");
    await succeed("migrate deploy", runCommand("node", cli, { env: environmentOf(behind) }));

    let clones = 0;
    const databaseFor = async (scenario: BootScenario) => {
      const template = new URL(scenario === "nothing to migrate" ? upToDate : behind).pathname.slice(1);
      return createDatabase(options.adminUrl, `bench_boot_${++clones}`, template);
    };

    const figures: BootFigures[] = [];
    for (const built of [false, true]) {
      if (built) await succeed("npm run build", runCommand("npm", ["run", "build"], { cwd: copy.root, timeoutMs: 300_000 }));
      for (const scenario of ["nothing to migrate", "one migration pending"] as const) {
        const samples: Record<Entrypoint, Array<{ wallMs: number; cpuMs: number }>> = { "flip-db-deploy": [], "prisma CLI chain": [] };
        for (let run = 0; run < options.runs; run++) {
          for (const entrypoint of ["flip-db-deploy", "prisma CLI chain"] as const) {
            samples[entrypoint].push(await boot(copy, entrypoint, environmentOf(await databaseFor(scenario))));
          }
        }
        for (const entrypoint of ["flip-db-deploy", "prisma CLI chain"] as const) {
          const runs = samples[entrypoint];
          figures.push({
            scenario,
            built,
            entrypoint,
            runs: runs.length,
            wallMs: Math.round(median(runs.map((r) => r.wallMs))),
            cpuMs: Math.round(median(runs.map((r) => r.cpuMs))),
          });
        }
      }
    }
    return figures;
  } finally {
    await copy.remove();
  }
}
