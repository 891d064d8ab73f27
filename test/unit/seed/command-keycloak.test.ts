/**
 * The seed command on a Keycloak boot: the directory's profile paces and
 * names the run (SEED_COGNITO_RPS is Cognito's alone), and `--lookup scan` is
 * the usage error the core decides, exit 2 before any lookup.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";

import { beforeEach, describe, expect, it, vi } from "vitest";

import type { ClosableDirectory } from "../../../src/directory/from-config.js";
import { KEYCLOAK_PROFILE } from "../../../src/directory/keycloak-directory.js";
import { runSeedCommand } from "../../../src/seed/cli/command.js";
import { fakeDirectory } from "../../support/fake-directory.js";
import { mockDatabase } from "../../support/mock-database.js";

const USERS = Array.from({ length: KEYCLOAK_PROFILE.requestsPerSecond }, (_, i) => ({
  email: `user${i}@example.org`,
  name: `User ${i}`,
  organisation: "North Trust",
  role: "Viewer",
}));

let manifestPath: string;

beforeEach(async () => {
  manifestPath = path.join(await mkdtemp(path.join(tmpdir(), "flip-db-kc-")), "users.json");
  await writeFile(manifestPath, JSON.stringify({ users: USERS }));
});

/** A Keycloak boot whose lookups wait at a gate until `open()`; SEED_COGNITO_RPS is set to 1, which must not apply. */
function keycloakBoot(argv: string[] = []) {
  const started: string[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let output = "";
  const directory: ClosableDirectory = fakeDirectory([], {
    profile: KEYCLOAK_PROFILE,
    lookup: async (email) => {
      started.push(email);
      await gate;
      return { status: "not_found" };
    },
  });
  const run = runSeedCommand({
    argv,
    env: {
      DATABASE_URL: "postgresql://flip:db-password-123@db:5432/flip",
      IDENTITY_PROVIDER: "keycloak",
      KEYCLOAK_URL: "https://sso.example.org",
      KEYCLOAK_REALM: "flip",
      KEYCLOAK_CLIENT_ID: "flip-db",
      KEYCLOAK_CLIENT_SECRET: "SENTINEL-kc-secret-93e1",
      SEED_COGNITO_RPS: "1",
      SEED_USERS_FILE: manifestPath,
    },
    output: new Writable({
      write(chunk, _encoding, done) {
        output += String(chunk);
        done();
      },
    }),
    openDirectory: () => Promise.resolve(directory),
    openDatabase: () => Promise.resolve(mockDatabase().db),
  });
  const messages = () =>
    output
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { run, started, open: () => open(), messages };
}

describe("the seed command on Keycloak", () => {
  it("starts Keycloak's 20 lookups at once, whatever SEED_COGNITO_RPS says, and names Keycloak in its lines", async () => {
    const boot = keycloakBoot();
    // At SEED_COGNITO_RPS=1 one lookup would start, then one a second: all 20 started before any answered is the profile's pace.
    await vi.waitFor(() => expect(boot.started).toHaveLength(USERS.length), { timeout: 5_000 });
    boot.open();
    expect(await boot.run).toBe(0);
    expect(boot.messages()).toContain(`Keycloak lookup: filter (a scan of Keycloak is never worth it; ${USERS.length} filtered calls)`);
    expect(boot.messages()).toContain(`0 of ${USERS.length} users resolved in Keycloak; applying in one transaction`);
    expect(boot.messages().filter((message) => message.includes("Cognito"))).toEqual([]);
  });

  it("refuses --lookup scan with exit 2 before any lookup", async () => {
    const boot = keycloakBoot(["--lookup", "scan"]);
    expect(await boot.run).toBe(2);
    expect(boot.started).toEqual([]);
    expect(boot.messages()).toContain(
      "--lookup scan: Keycloak is looked up by email only (a scan of it is never worth it); use auto or filter",
    );
  });
});
