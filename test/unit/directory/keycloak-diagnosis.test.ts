import { afterEach, describe, expect, it } from "vitest";

import { FatalDirectoryError } from "../../../src/directory/FatalDirectoryError.js";
import { KeycloakDiagnosis } from "../../../src/directory/keycloak-diagnosis.js";
import { TransientDirectoryError } from "../../../src/directory/TransientDirectoryError.js";
import { keycloakFaults, startFakeKeycloak, type FakeKeycloak } from "../../support/fake-keycloak.js";

const CLIENT = { clientId: "flip-db", secret: "SENTINEL-diagnosis-secret-5c1e" };
const QUERY_ONLY = { clientId: "query-only", secret: CLIENT.secret, roles: ["query-users" as const] };

let keycloak: FakeKeycloak | undefined;
let diagnosis: KeycloakDiagnosis | undefined;
afterEach(async () => {
  diagnosis?.close();
  await keycloak?.close();
});

async function open(clientId = CLIENT.clientId, realm = "flip") {
  keycloak = await startFakeKeycloak({ clients: [CLIENT, QUERY_ONLY], users: [{ username: "alice", email: "alice@example.org" }] });
  diagnosis = KeycloakDiagnosis.open({ baseUrl: keycloak.baseUrl, realm, clientId, clientSecret: CLIENT.secret, requestTimeoutMs: 500 });
  return { keycloak, diagnosis };
}

describe("KeycloakDiagnosis", () => {
  it("asks the realm without credentials, then reads the service account named by its token's sub", async () => {
    const { keycloak, diagnosis } = await open();
    expect(await diagnosis.realm()).toEqual({ realm: "flip" });
    expect(keycloak.requests[0]).toMatchObject({ method: "GET", endpoint: "realm", path: "/realms/flip" });
    const token = await diagnosis.token();
    expect(token).toEqual({ expiresInSeconds: 300, serviceAccountId: keycloak.serviceAccountId("flip-db") });
    expect(await diagnosis.serviceAccount(token.serviceAccountId!)).toEqual({ username: "service-account-flip-db" });
    expect(await diagnosis.lookup("Alice@Example.org")).toMatchObject({ status: "resolved" });
  });

  it("a service account with query-users alone is refused the read: the directory's 403 line, naming view-users", async () => {
    const { keycloak, diagnosis } = await open(QUERY_ONLY.clientId);
    const refused = await diagnosis.serviceAccount(keycloak.serviceAccountId(QUERY_ONLY.clientId)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FatalDirectoryError);
    expect((refused as FatalDirectoryError).problems[0]).toMatch(
      /^Keycloak: .*\(user endpoint, HTTP 403: unknown_error\): give it the realm-management role view-users/,
    );
  });

  it("a realm that does not exist is the directory's fatal line naming KEYCLOAK_REALM", async () => {
    const { diagnosis } = await open(CLIENT.clientId, "elsewhere");
    const refused = await diagnosis.realm().catch((error: unknown) => error);
    expect((refused as FatalDirectoryError).problems).toEqual([
      "Keycloak: the realm does not exist (realm endpoint, HTTP 404: Realm does not exist): check KEYCLOAK_REALM",
    ]);
  });

  it("a token that is not a JWT names no service account; a hung realm endpoint is transient", async () => {
    const { keycloak, diagnosis } = await open();
    const opaque = JSON.stringify({ access_token: "opaque-token-value", expires_in: 60, token_type: "Bearer" });
    keycloak.addFault({ endpoint: "token", fault: keycloakFaults.status(200, opaque, "application/json"), times: 1 });
    expect(await diagnosis.token()).toEqual({ expiresInSeconds: 60, serviceAccountId: undefined });
    keycloak.addFault({ endpoint: "realm", fault: keycloakFaults.hang() });
    expect(await diagnosis.realm().catch((error: unknown) => error)).toBeInstanceOf(TransientDirectoryError);
  });
});
