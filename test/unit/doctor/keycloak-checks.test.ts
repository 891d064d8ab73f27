import { describe, expect, it } from "vitest";
import { mock } from "vitest-mock-extended";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import { TransientDirectoryError } from "../../../src/directory/TransientDirectoryError.js";
import { CHECKS, NOBODY, runChecklist, type DoctorDependencies } from "../../../src/doctor/checks.js";
import { checklistFor, KEYCLOAK_CHECK_NAMES, type KeycloakProbe } from "../../../src/doctor/keycloak-checks.js";
import type { KeycloakSettings } from "../../../src/shared/config/identity-provider.js";

const ENV: NodeJS.ProcessEnv = {
  DATABASE_URL: "postgresql://flip@db.internal:5432/flip",
  IDENTITY_PROVIDER: "keycloak",
  KEYCLOAK_URL: "https://sso.example.org/",
  KEYCLOAK_REALM: "flip",
  KEYCLOAK_CLIENT_ID: "flip-db",
  KEYCLOAK_CLIENT_SECRET: "SENTINEL-kc-secret-0a1b",
  SEED_USERS_FILE: "users.json",
};
const SERVICE_ACCOUNT = "5e0c7a9e-1f43-4d4b-9a0e-2f6f1d3c8b77";

function deps(): DoctorDependencies {
  return {
    loadManifest: async () => [{ email: "alice@example.org", name: "Alice", organisation: "North", role: "Admin" }],
    pingDatabase: async () => ({ serverVersion: "18.1" }),
    probeTransactionPooler: async () => ({ transactionPooler: false }),
    readMigrationHistory: async () => [],
    listMigrations: async () => [],
    openDirectory: () => Promise.reject(new Error("Cognito opened with IDENTITY_PROVIDER=keycloak")),
  };
}

function healthyProbe() {
  const probe = mock<KeycloakProbe>();
  probe.realm.mockResolvedValue({ realm: "flip" });
  probe.token.mockResolvedValue({ expiresInSeconds: 300, serviceAccountId: SERVICE_ACCOUNT });
  probe.serviceAccount.mockResolvedValue({ username: "service-account-flip-db" });
  probe.lookup.mockResolvedValue({ status: "not_found" });
  return probe;
}

async function run(probe: KeycloakProbe, env: NodeJS.ProcessEnv = ENV) {
  const opened: KeycloakSettings[] = [];
  const checks = checklistFor(env, async (settings) => {
    opened.push(settings);
    return probe;
  });
  const results = await runChecklist({ env, usersFile: undefined, deps: deps() }, () => {}, checks);
  return { results, opened, detail: (name: string) => results.find((result) => result.name === name)?.detail };
}

describe("the doctor's Keycloak checks", () => {
  it("replace Cognito's with IDENTITY_PROVIDER=keycloak; without it the checklist is Cognito's, unchanged", () => {
    expect(checklistFor({}).map((check) => check.name)).toEqual(CHECKS.map((check) => check.name));
    expect(checklistFor({ IDENTITY_PROVIDER: "cognito" })).toBe(CHECKS);
    expect(checklistFor(ENV).map((check) => check.name)).toEqual([
      "configuration",
      "manifest",
      "database reachable",
      "direct connection",
      "migrations",
      ...KEYCLOAK_CHECK_NAMES,
    ]);
  });

  it("pass in order, each asking its one question of the configured realm, and close every probe", async () => {
    const probe = healthyProbe();
    const { results, opened, detail } = await run(probe);
    expect(results.map((result) => result.status)).toEqual(Array(9).fill("pass"));
    expect(opened).toHaveLength(4);
    expect(opened[0]).toMatchObject({ baseUrl: "https://sso.example.org/", realm: "flip", clientId: "flip-db" });
    expect(probe.close).toHaveBeenCalledTimes(4);
    expect(probe.serviceAccount).toHaveBeenCalledWith(SERVICE_ACCOUNT);
    // The doctor's one lookup, as Cognito's: an address no account can have, so it reads no one.
    expect(probe.lookup.mock.calls).toEqual([[NOBODY]]);
    expect(detail("configuration")).toBe(
      "database flip at db.internal:5432; Keycloak realm flip at https://sso.example.org, client flip-db",
    );
    expect(detail("Keycloak realm")).toBe("realm flip at https://sso.example.org");
    expect(detail("Keycloak lookups")).toBe("the client flip-db may search realm flip's users by email");
  });

  it("a fatal answer fails its check in the directory's words (its reason) and skips the checks that need it", async () => {
    const probe = healthyProbe();
    const reason = "Keycloak refused the client (…): check KEYCLOAK_CLIENT_ID";
    probe.token.mockRejectedValue(new FatalDirectoryError([`Keycloak: ${reason}`], { reason }));
    const { results, detail } = await run(probe);
    expect(results.slice(5).map((result) => result.status)).toEqual(["pass", "fail", "skip", "skip"]);
    expect(detail("Keycloak client")).toBe(reason);
    expect(probe.serviceAccount).not.toHaveBeenCalled();
    expect(probe.lookup).not.toHaveBeenCalled();
  });

  it("a transient answer says to try again and to check the way to KEYCLOAK_URL", async () => {
    const probe = healthyProbe();
    probe.realm.mockRejectedValue(new TransientDirectoryError("Keycloak unreachable (ECONNREFUSED)", false));
    const { detail } = await run(probe);
    expect(detail("Keycloak realm")).toBe(
      "Keycloak unreachable (ECONNREFUSED): try again; if it persists, check that this host can reach KEYCLOAK_URL",
    );
  });

  it("a token that names no service account fails the role check, saying which client scope to add", async () => {
    const probe = healthyProbe();
    probe.token.mockResolvedValue({ expiresInSeconds: 300, serviceAccountId: undefined });
    const { results, detail } = await run(probe);
    expect(results.slice(5).map((result) => result.status)).toEqual(["pass", "pass", "fail", "skip"]);
    expect(detail("Keycloak role")).toMatch(/no sub claim.*give the client flip-db the client scope basic/);
    expect(probe.serviceAccount).not.toHaveBeenCalled();
  });

  it("a failure to open the probe (a setting the directory refuses) fails the check, not the doctor", async () => {
    const checks = checklistFor(ENV, () =>
      Promise.reject(new FatalDirectoryError(["Keycloak: the base URL must be an http:// or https:// URL"])),
    );
    const results = await runChecklist({ env: ENV, usersFile: undefined, deps: deps() }, () => {}, checks);
    expect(results.find((result) => result.name === "Keycloak realm")).toMatchObject({
      status: "fail",
      detail: "Keycloak: the base URL must be an http:// or https:// URL",
    });
  });
});
