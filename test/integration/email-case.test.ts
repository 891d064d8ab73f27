/**
 * One rule for matching emails, whatever the lookup: as the user pool compares
 * them. The same manifest goes through `npx prisma db seed` by filter and by
 * scan, against a case-sensitive pool (created without the setting, as through
 * the API) and a case-insensitive one (the fault proxy answers its filters as
 * Cognito would; cognito-local compares as written whatever the pool).
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { SeedReport } from "../../src/seed/report.js";
import { output, seedThroughPrisma } from "../support/commands.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { entry, migratedDatabase, writeManifest } from "../support/seed-fixture.js";
import { environmentFor, freshPool, stack } from "../support/stack.js";

const MANIFEST = [entry("Alice@Example.org", "Admin"), entry("bob@example.org", "Viewer"), entry("Carol@Example.org", "Researcher")];

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(stack().cognitoEndpoint, { cognitoLike: true });
});
afterAll(() => proxy.close());

/** Each manifest user's outcome, and the sub resolved, from one seed run by `lookup` on a fresh database. */
async function outcomes(userPoolId: string, lookup: "filter" | "scan") {
  const databaseUrl = await migratedDatabase();
  const reportPath = path.join(await mkdtemp(path.join(tmpdir(), "flip-db-case-")), "report.json");
  const env = {
    ...environmentFor(databaseUrl, userPoolId),
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: proxy.endpoint,
    SEED_USERS_FILE: await writeManifest(MANIFEST),
    SEED_REDACT_EMAILS: "false",
  };
  const result = await seedThroughPrisma(env, ["--lookup", lookup, "--report", reportPath]);
  expect(result.code, output(result)).toBe(0);
  const report = JSON.parse(await readFile(reportPath, "utf8")) as SeedReport;
  expect(report.lookup?.strategy).toBe(lookup);
  return report.users.map((user) => [user.email, user.outcome]);
}

describe("matching emails, by filter and by scan", () => {
  it("a case-sensitive pool: only the email exactly as written matches, either way", async () => {
    // Carol is stored as written in the manifest; Alice in another case; bob twice, in two cases.
    const pool = await freshPool([
      { email: "alice@example.org" },
      { email: "bob@example.org" },
      { email: "Bob@example.org" },
      { email: "Carol@Example.org" },
    ]);
    const expected = [
      ["Alice@Example.org", "not_found"],
      // Not ambiguous: "Bob@example.org" is another email in this pool.
      ["bob@example.org", "resolved"],
      ["Carol@Example.org", "resolved"],
    ];
    expect(await outcomes(pool.userPoolId, "filter")).toEqual(expected);
    expect(await outcomes(pool.userPoolId, "scan")).toEqual(expected);
  });

  it("a case-insensitive pool: an email in any case matches, either way", async () => {
    // Stored lower-cased, as Cognito stores emails in such a pool.
    const pool = await freshPool([{ email: "Alice@example.org" }, { email: "BOB@example.org" }], { emailsCaseSensitive: false });
    const expected = [
      ["Alice@Example.org", "resolved"],
      ["bob@example.org", "resolved"],
      ["Carol@Example.org", "not_found"],
    ];
    expect(await outcomes(pool.userPoolId, "filter")).toEqual(expected);
    expect(await outcomes(pool.userPoolId, "scan")).toEqual(expected);
  });
});
