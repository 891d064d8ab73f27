/**
 * A real PgBouncer (Debian's `pgbouncer` package) in front of the tests'
 * PostgreSQL: every database of the server, behind one pooler in the given
 * pool mode, on a free loopback port. It runs as the user PostgreSQL runs as
 * (PgBouncer refuses to run as root), from a throwaway directory, and stops
 * when `stop()` is called or, should the test process die first, through the
 * local stack's watchdog.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { freePort } from "../../dev/free-port.js";
import { startWatchdog } from "../../dev/local-stack.js";
import { serverUser } from "../../dev/postgres-access.js";
import { withPgClient } from "../../src/shared/postgres/client.js";
import { findPgBouncer, PGBOUNCER_PACKAGE } from "./pgbouncer-install.js";

type PoolMode = "transaction" | "session";

export interface PgBouncerOptions {
  /** The PostgreSQL server every database is forwarded to, on 127.0.0.1. */
  postgresPort: number;
  mode: PoolMode;
  /** Server connections per database and user (`default_pool_size`). */
  poolSize: number;
  /** `server_round_robin`: hand idle server connections out in turn instead of the last-used first (PgBouncer's default). */
  roundRobin?: boolean;
  /** The roles that may log in through it, with their passwords (PgBouncer's auth_file); the first may also read its statistics. */
  users: ReadonlyArray<{ name: string; password: string }>;
}

export interface PgBouncer {
  port: number;
  mode: PoolMode;
  pid: number;
  /** `databaseUrl` (a URL on the PostgreSQL server) through this pooler: the same URL on the pooler's port. */
  url(databaseUrl: string): string;
  /** How many transactions PgBouncer has passed to `database` so far (its SHOW STATS). */
  transactions(database: string): Promise<number>;
  stop(): Promise<void>;
}

/** The auth_file's quoting: a double quote inside a field is doubled. */
const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`;

/**
 * The settings the README's "Behind PgBouncer or RDS Proxy" lists as tested.
 * Passwords are in the auth_file in plain text, which lets PgBouncer answer
 * SCRAM itself and log in to PostgreSQL with SCRAM; `ignore_startup_parameters`
 * is left empty, as in the package's default: nothing flip-db sends may need it.
 */
function configuration(options: PgBouncerOptions, port: number, directory: string): string {
  return `[databases]
* = host=127.0.0.1 port=${options.postgresPort}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${path.join(directory, "userlist.txt")}
stats_users = ${options.users[0]?.name ?? ""}
pool_mode = ${options.mode}
default_pool_size = ${options.poolSize}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
max_db_connections = 0
server_round_robin = ${options.roundRobin === true ? 1 : 0}
`;
}

async function accepting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pgbouncer exited at start:\n${log()}`);
    try {
      // The admin console needs no server: a login to a database that does not exist is refused by PgBouncer itself once it listens.
      await withPgClient({ url: `postgresql://nobody:x@127.0.0.1:${port}/pgbouncer`, timeoutMs: 1_000 }, () => Promise.resolve());
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Anything but a refused connection means it is listening.
      if (code !== "ECONNREFUSED") return;
    }
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} within 10 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a PgBouncer; throws, with the package to install, when there is none. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (binary === undefined) {
    throw new Error(`pgbouncer is not installed: install Debian's ${PGBOUNCER_PACKAGE} package (apt-get install -y ${PGBOUNCER_PACKAGE})`);
  }
  const user = serverUser();
  const directory = await mkdtemp(path.join(tmpdir(), "flip-db-pgbouncer-"));
  const port = await freePort();
  const configPath = path.join(directory, "pgbouncer.ini");
  await writeFile(configPath, configuration(options, port, directory));
  await writeFile(path.join(directory, "userlist.txt"), options.users.map((u) => `${quoted(u.name)} ${quoted(u.password)}\n`).join(""));
  // PgBouncer refuses to run as root: as root it runs as the postgres system user, which must read its directory.
  const gid = user.groups[0];
  const runAs = user.switched && user.uid !== undefined && gid !== undefined ? { uid: user.uid, gid } : undefined;
  if (runAs) {
    for (const file of [directory, configPath, path.join(directory, "userlist.txt")]) await chown(file, runAs.uid, runAs.gid);
  }
  const child = spawn(binary, [configPath], { ...(runAs ?? {}), stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = once(child, "exit");
  try {
    await accepting(port, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  startWatchdog([child.pid!], [directory]);

  let stopping: Promise<void> | undefined;
  return {
    port,
    mode: options.mode,
    pid: child.pid!,
    url(databaseUrl) {
      const url = new URL(databaseUrl);
      url.port = String(port);
      return url.toString();
    },
    async transactions(database) {
      const user = options.users[0]!;
      const console = `postgresql://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}/pgbouncer`;
      // The admin console speaks the simple query protocol only: a query without parameters.
      const { rows } = await withPgClient({ url: console }, (client) =>
        client.query<{ database: string; total_xact_count: string }>("SHOW STATS"),
      );
      return Number(rows.find((row) => row.database === database)?.total_xact_count ?? 0);
    },
    stop: () =>
      (stopping ??= (async () => {
        // SIGINT: PgBouncer's safe shutdown, which waits for clients; SIGTERM closes them at once.
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        await rm(directory, { recursive: true, force: true });
      })()),
  };
}
