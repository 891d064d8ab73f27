/**
 * The doctor's identity checks for IDENTITY_PROVIDER=keycloak, in the order a
 * fault would be found: the realm (KEYCLOAK_URL reaches Keycloak and the
 * realm exists), the client (the token endpoint accepts it), the role (its
 * service account may view users), and one lookup as the seed makes it. Each
 * failure is worded by the directory itself, as the boot would say it, and
 * as Cognito's checks word theirs (`directoryFailure`).
 */
import type { DirectoryAnswer } from "../directory/identity-directory.js";
import type { IssuedTokenFacts } from "../directory/keycloak-diagnosis.js";
import type { KeycloakSettings } from "../shared/config/identity-provider.js";
import { CHECKS, directoryFailure, NOBODY, type Check, type CheckContext, type CheckResult } from "./checks.js";

export const KEYCLOAK_CHECK_NAMES = ["Keycloak realm", "Keycloak client", "Keycloak role", "Keycloak lookups"] as const;
export type KeycloakCheckName = (typeof KEYCLOAK_CHECK_NAMES)[number];

/** What the Keycloak checks ask, one question a call; each rejects with the directory's errors. */
export interface KeycloakProbe {
  realm(): Promise<{ realm: string }>;
  token(): Promise<IssuedTokenFacts>;
  serviceAccount(id: string): Promise<{ username: string }>;
  lookup(email: string): Promise<DirectoryAnswer>;
  close(): void;
}

/** Opens a probe on the configured realm (the real one is the directory's KeycloakDiagnosis). */
export type OpenKeycloakProbe = (settings: KeycloakSettings) => Promise<KeycloakProbe>;

const pass = (detail: string): CheckResult => ({ status: "pass", detail });
const fail = (detail: string): CheckResult => ({ status: "fail", detail });

function settingsOf(context: CheckContext): KeycloakSettings {
  const settings = context.config?.keycloak;
  if (settings === undefined) throw new Error("a Keycloak check ran without Keycloak's configuration");
  return settings;
}

/** Runs `question` on a probe of its own, closed whatever happens; a failure in the directory's words. */
async function asking(context: CheckContext, open: OpenKeycloakProbe, question: (probe: KeycloakProbe) => Promise<CheckResult>) {
  let probe: KeycloakProbe | undefined;
  try {
    probe = await open(settingsOf(context));
    return await question(probe);
  } catch (error) {
    return directoryFailure(error, "KEYCLOAK_URL");
  } finally {
    probe?.close();
  }
}

/** Whether the client's service account may view users: the token names the account, whose own user only such an account may read. */
async function mayViewUsers(probe: KeycloakProbe, settings: KeycloakSettings): Promise<CheckResult> {
  const { serviceAccountId } = await probe.token();
  if (serviceAccountId === undefined) {
    return fail(
      "the admin token does not name its service account (no sub claim), so whether it may view users cannot be checked: " +
        `give the client ${settings.clientId} the client scope basic (Clients, Client scopes)`,
    );
  }
  const { username } = await probe.serviceAccount(serviceAccountId);
  return pass(`the service account ${username} may view users (realm-management view-users)`);
}

/** Each check: its name, the checks it needs, and its one question of the realm. */
const QUESTIONS: ReadonlyArray<{
  name: KeycloakCheckName;
  needs: Check["needs"];
  ask: (probe: KeycloakProbe, settings: KeycloakSettings) => Promise<CheckResult>;
}> = [
  {
    name: "Keycloak realm",
    needs: ["configuration"],
    ask: async (probe, settings) => pass(`realm ${(await probe.realm()).realm} at ${new URL(settings.baseUrl).origin}`),
  },
  {
    name: "Keycloak client",
    needs: ["configuration", "Keycloak realm"],
    ask: async (probe, { clientId }) =>
      pass(`client ${clientId} accepted: an admin token by client_credentials, valid ${(await probe.token()).expiresInSeconds} s`),
  },
  { name: "Keycloak role", needs: ["configuration", "Keycloak client"], ask: mayViewUsers },
  {
    name: "Keycloak lookups",
    needs: ["configuration", "Keycloak role"],
    ask: async (probe, { clientId, realm }) => {
      await probe.lookup(NOBODY);
      return pass(`the client ${clientId} may search realm ${realm}'s users by email`);
    },
  },
];

/** The checks, asking through `open`. */
function keycloakChecks(open: OpenKeycloakProbe): Check[] {
  return QUESTIONS.map(({ name, needs, ask }) => ({
    name,
    needs,
    run: (context) => asking(context, open, (probe) => ask(probe, settingsOf(context))),
  }));
}

/** The real probe: the directory's KeycloakDiagnosis, loaded only when a Keycloak check runs. */
const openKeycloakDiagnosis: OpenKeycloakProbe = async (settings) => {
  const { KeycloakDiagnosis } = await import("../directory/keycloak-diagnosis.js");
  return KeycloakDiagnosis.open(settings);
};

/**
 * The checklist for this environment: with IDENTITY_PROVIDER=keycloak, the
 * common checks and Keycloak's in place of Cognito's; otherwise the default.
 */
export function checklistFor(env: NodeJS.ProcessEnv, open: OpenKeycloakProbe = openKeycloakDiagnosis): readonly Check[] {
  if (env.IDENTITY_PROVIDER !== "keycloak") return CHECKS;
  return [...CHECKS.filter((check) => !check.name.startsWith("Cognito")), ...keycloakChecks(open)];
}
