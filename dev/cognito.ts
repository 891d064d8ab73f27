import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";

export interface LocalCognito {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`. */
  endpoint: string;
  pid: number;
  workDirectory: string;
  stop(): Promise<void>;
}

/** The region the emulator pretends to be in; it accepts any. */
export const LOCAL_REGION = "eu-west-2";

/** The emulator checks no signature, but the SDK still wants credentials to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

const STARTED = /Cognito Local running on (http:\/\/[\d.]+:\d+)/;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const START_TIMEOUT_MS = 30_000;
// A `require` of our own, so that knip sees cognito-local used (it reads require.resolve, not createRequire(...).resolve).
const require = createRequire(import.meta.url);

/**
 * Starts `cognito-local` on 127.0.0.1 and a port of the kernel's choosing, in
 * a throwaway working directory (it keeps its state in `./.cognito`).
 * Usernames are kept apart from emails, as in a pool that signs in by
 * username, so several accounts can share an email, as happens in Cognito.
 */
export async function startCognito(log: (line: string) => void = () => {}, preload: readonly PreloadedPool[] = []): Promise<LocalCognito> {
  const workDirectory = await mkdtemp(path.join(tmpdir(), "flip-db-cognito-"));
  await mkdir(path.join(workDirectory, ".cognito", "db"), { recursive: true });
  await writeFile(path.join(workDirectory, ".cognito", "config.json"), JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }));
  for (const pool of preload) await writePoolFile(workDirectory, pool);
  const entry = require.resolve("cognito-local/lib/bin/start.js");
  const child = spawn(process.execPath, [entry], {
    cwd: workDirectory,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stderr }).on("line", log);

  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("cognito-local did not start within 30 s")), START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on("line", (raw) => {
      const line = raw.replace(ANSI, "");
      log(line);
      const match = STARTED.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited with code ${String(code)} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await rm(workDirectory, { recursive: true, force: true });
    throw error;
  });

  return {
    endpoint,
    pid: child.pid!,
    workDirectory,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await rm(workDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * A pool written to the emulator's store before it starts. Creating users one
 * request at a time costs the emulator a rewrite of the whole pool file each,
 * which takes minutes at ten thousand users; a preloaded pool takes a second.
 */
export interface PreloadedPool {
  /** In the emulator's own form, e.g. `local_bench`. */
  id: string;
  users: readonly FixtureUser[];
  /** Filled in by startCognito: each user's `sub`, in fixture order. */
  subs?: string[];
}

async function writePoolFile(workDirectory: string, pool: PreloadedPool): Promise<void> {
  const now = new Date().toISOString();
  const subs: string[] = [];
  const users = Object.fromEntries(
    pool.users.map((user, index) => {
      const sub = randomUUID();
      subs.push(sub);
      const username = usernameFor(user, index);
      return [
        username,
        {
          Username: username,
          Attributes: [
            { Name: "email", Value: user.email },
            { Name: "email_verified", Value: String(user.emailVerified ?? true) },
            { Name: "sub", Value: sub },
          ],
          Enabled: user.enabled ?? true,
          UserStatus: "CONFIRMED",
          UserCreateDate: now,
          UserLastModifiedDate: now,
          RefreshTokens: [],
        },
      ];
    }),
  );
  // Without "Options" the emulator gives the pool its defaults.
  await writeFile(path.join(workDirectory, ".cognito", "db", `${pool.id}.json`), JSON.stringify({ Users: users }));
  pool.subs = subs;
}

function usernameFor(user: FixtureUser, index: number): string {
  return user.username ?? `user-${index}-${user.email.replace(/[^a-z0-9]/gi, "-")}`;
}

/** A user of the emulated pool, as a fixture describes it. */
export interface FixtureUser {
  email: string;
  /** Defaults to true. */
  emailVerified?: boolean;
  /** Defaults to true. */
  enabled?: boolean;
  /** Defaults to a name derived from the email and position. */
  username?: string;
}

function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

export interface PoolSettings {
  /**
   * `false` makes a case-insensitive pool (`UsernameConfiguration.CaseSensitive
   * = false`), whose emails Cognito stores lower-cased; so are the fixture's
   * here. Unset, the pool is created without the setting: case-sensitive.
   */
  emailsCaseSensitive?: boolean;
}

/** Creates a user pool and its users; returns the pool id and each user's `sub` in fixture order. */
export async function createUserPool(
  endpoint: string,
  name: string,
  users: readonly FixtureUser[],
  settings: PoolSettings = {},
): Promise<{ userPoolId: string; subs: string[] }> {
  const client = cognitoClient(endpoint);
  const stored = (email: string) => (settings.emailsCaseSensitive === false ? email.toLowerCase() : email);
  try {
    const pool = await client.send(
      new CreateUserPoolCommand({
        PoolName: name,
        ...(settings.emailsCaseSensitive !== undefined && { UsernameConfiguration: { CaseSensitive: settings.emailsCaseSensitive } }),
      }),
    );
    const userPoolId = pool.UserPool?.Id;
    if (!userPoolId) throw new Error("cognito-local returned a pool without an id");
    const subs: string[] = [];
    for (const [index, user] of users.entries()) {
      const username = usernameFor(user, index);
      const created = await client.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: username,
          // Without SUPPRESS the emulator tries to deliver an invitation.
          MessageAction: "SUPPRESS",
          UserAttributes: [
            { Name: "email", Value: stored(user.email) },
            { Name: "email_verified", Value: String(user.emailVerified ?? true) },
          ],
        }),
      );
      const sub = created.User?.Attributes?.find((attribute) => attribute.Name === "sub")?.Value;
      if (!sub) throw new Error(`cognito-local created ${username} without a sub`);
      subs.push(sub);
      if (user.enabled === false) {
        await client.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username }));
      }
    }
    return { userPoolId, subs };
  } finally {
    client.destroy();
  }
}
