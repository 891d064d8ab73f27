/**
 * TLS to PostgreSQL through the real programs: `node bin/deploy.js` (wait,
 * migration check, the WebAssembly schema engine, the seed's Prisma client)
 * and the doctor, against servers with ssl=on and certificates from CAs this
 * test makes.
 */
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { LocalPostgres } from "../../dev/postgres.js";
import { flipDbDeploy, logLines, output, prisma, ROOT, seedDirectly } from "../support/commands.js";
import { query } from "../support/postgres.js";
import { runCommand, type CommandResult } from "../support/run-command.js";
import { entry, writeManifest } from "../support/seed-fixture.js";
import { environmentFor, freshDatabase, freshPool } from "../support/stack.js";
import { makeTlsFiles, queryOverTls, startTlsPostgres, type TlsFiles } from "../support/tls-postgres.js";

const MANIFEST = [entry("ada.tls@example.org", "Admin"), entry("ben.tls@example.org", "Viewer")];

let files: TlsFiles;
let server: LocalPostgres;
let wrongHost: LocalPostgres;
let env: Record<string, string>;

beforeAll(async () => {
  files = makeTlsFiles();
  [server, wrongHost] = await Promise.all([startTlsPostgres(files, "server"), startTlsPostgres(files, "wrong-host")]);
  const [pool, manifest] = await Promise.all([freshPool(MANIFEST.map(({ email }) => ({ email }))), writeManifest(MANIFEST)]);
  env = { ...environmentFor("postgresql://unset@127.0.0.1/unset", pool.userPoolId), SEED_USERS_FILE: manifest, AWS_MAX_ATTEMPTS: "2" };
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.stop(), wrongHost?.stop()]);
  files?.remove();
});

/** A database on a TLS server, by name, and its URL with `parameters` (the TLS ones). */
interface TlsDatabase {
  on: LocalPostgres;
  name: string;
  url: string;
}

async function tlsDatabase(on: LocalPostgres, parameters: string): Promise<TlsDatabase> {
  const name = `tls_${randomBytes(6).toString("hex")}`;
  await queryOverTls(on, "postgres", `CREATE DATABASE ${name}`);
  return { on, name, url: `${on.url(name)}?${parameters}` };
}

async function rolesGranted(database: TlsDatabase): Promise<string[]> {
  const rows = await queryOverTls<{ name: string }>(
    database.on,
    database.name,
    "SELECT r.name FROM user_role ur JOIN roles r ON r.id = ur.role_id ORDER BY r.name",
  );
  return rows.map((row) => row.name);
}

function deploy(databaseUrl: string): Promise<CommandResult> {
  return flipDbDeploy({ ...env, DATABASE_URL: databaseUrl }, ["--wait-for-db", "10"]);
}

function doctor(databaseUrl: string): Promise<CommandResult> {
  return runCommand("node", ["bin/doctor.js"], { cwd: ROOT, env: { ...env, DATABASE_URL: databaseUrl }, timeoutMs: 120_000 });
}

function fatalLines(result: CommandResult): string[] {
  return logLines(result)
    .filter((line) => line.level === "fatal")
    .map((line) => line.msg);
}

const TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'";

/** The database holds no table: nothing was migrated or seeded. */
async function expectNothingWritten(database: TlsDatabase): Promise<void> {
  expect(await queryOverTls(database.on, database.name, TABLES)).toEqual([]);
}

describe("TLS to PostgreSQL", () => {
  it("boots end to end with sslmode=verify-full and the server's CA in sslrootcert, and the doctor passes", async () => {
    const database = await tlsDatabase(server, `sslmode=verify-full&sslrootcert=${files.caFile}`);
    const result = await deploy(database.url);
    expect(result.code, output(result)).toBe(0);
    expect(await rolesGranted(database)).toEqual(["Admin", "Viewer"]);
    const checked = await doctor(database.url);
    expect(checked.stdout, output(checked)).toMatch(/^PASS {2}database reachable/m);
    expect(checked.stdout).toMatch(/^PASS {2}migrations/m);
  });

  it("boots with sslmode=require as Prisma documents it (encrypted, not verified), without pg's SECURITY WARNING", async () => {
    const database = await tlsDatabase(server, "sslmode=require");
    const result = await deploy(database.url);
    expect(result.code, output(result)).toBe(0);
    expect(output(result)).not.toContain("SECURITY WARNING");
    expect(await rolesGranted(database)).toEqual(["Admin", "Viewer"]);
    const checked = await doctor(database.url);
    expect(output(checked)).not.toContain("SECURITY WARNING");
    expect(checked.stdout, output(checked)).toMatch(/^PASS {2}database reachable/m);
  });

  it("stops with one line when the server's certificate is not signed by the CA in sslrootcert, and writes nothing", async () => {
    const database = await tlsDatabase(server, `sslmode=verify-full&sslrootcert=${files.otherCaFile}`);
    const result = await deploy(database.url);
    expect(result.code).toBe(1);
    expect(fatalLines(result)).toEqual([
      `PostgreSQL at 127.0.0.1:${server.port} cannot be used over TLS: the server's TLS certificate is not signed by the CA in sslrootcert ` +
        "(without sslrootcert, by a CA Node trusts): put the server's CA in DATABASE_URL's sslrootcert",
    ]);
    expect(output(result)).not.toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SECURITY WARNING/);
    await expectNothingWritten(database);
    const checked = await doctor(database.url);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("the server's TLS certificate is not signed by the CA in sslrootcert");
    expect(output(checked)).not.toContain("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("words the same failure in the seed alone (its Prisma client) and in npx prisma migrate deploy (the schema engine)", async () => {
    const database = await tlsDatabase(server, `sslmode=verify-full&sslrootcert=${files.otherCaFile}`);
    const migrated = await prisma(["migrate", "deploy"], { ...env, DATABASE_URL: database.url });
    expect(migrated.code).not.toBe(0);
    expect(output(migrated)).toContain("cannot be used over TLS: the server's TLS certificate is not signed by the CA in sslrootcert");
    expect(output(migrated)).not.toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SECURITY WARNING/);
    const seeded = await seedDirectly({ ...env, DATABASE_URL: database.url });
    expect(seeded.code).toBe(1);
    expect(fatalLines(seeded).join("\n")).toContain(
      `database: the database at 127.0.0.1:${server.port} cannot be used over TLS: the server's TLS certificate is not signed by the CA in sslrootcert`,
    );
    expect(output(seeded)).not.toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SECURITY WARNING/);
    await expectNothingWritten(database);
  });

  it("stops with one line when the certificate names another host, and writes nothing", async () => {
    const database = await tlsDatabase(wrongHost, `sslmode=verify-full&sslrootcert=${files.caFile}`);
    const result = await deploy(database.url);
    expect(result.code).toBe(1);
    expect(fatalLines(result)).toEqual([
      `PostgreSQL at 127.0.0.1:${wrongHost.port} cannot be used over TLS: the server's TLS certificate does not name the host in DATABASE_URL: ` +
        "connect by a name the certificate holds, or set sslmode=verify-ca to check the CA only",
    ]);
    expect(output(result)).not.toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    await expectNothingWritten(database);
    const checked = await doctor(database.url);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("the server's TLS certificate does not name the host in DATABASE_URL");
  });

  it("boots with sslmode=verify-ca against a certificate for another host name", async () => {
    const database = await tlsDatabase(wrongHost, `sslmode=verify-ca&sslrootcert=${files.caFile}`);
    const result = await deploy(database.url);
    expect(result.code, output(result)).toBe(0);
  });

  it("stops with one line when the server does not accept TLS, and writes nothing", async () => {
    // The shared stack's server runs without TLS.
    const plain = await freshDatabase("notls");
    const url = `${plain}?sslmode=require`;
    const result = await deploy(url);
    expect(result.code).toBe(1);
    expect(fatalLines(result)).toEqual([
      `PostgreSQL at ${new URL(plain).host} cannot be used over TLS: the server does not accept TLS: ` +
        "set sslmode=disable in DATABASE_URL, or turn ssl on in the server",
    ]);
    expect(await query(plain, TABLES)).toEqual([]);
    const checked = await doctor(url);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("the server does not accept TLS");
  });

  it("stops before connecting when sslrootcert names a file that cannot be read", async () => {
    const database = await tlsDatabase(server, "sslmode=verify-full&sslrootcert=/nonexistent/rds-ca.pem");
    const result = await deploy(database.url);
    expect(result.code).toBe(1);
    expect(fatalLines(result).join("\n")).toContain(
      "DATABASE_URL: sslrootcert /nonexistent/rds-ca.pem cannot be read (ENOENT): give the path of a PEM file this process may read",
    );
    await expectNothingWritten(database);
  });
});
