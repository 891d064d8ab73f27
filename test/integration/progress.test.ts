/**
 * The progress bar, end to end: the seed resolving more than 50 users draws
 * it on a terminal's stderr (a pseudo-terminal from `script`), and nothing of
 * it reaches output that is not a terminal.
 */
import { describe, expect, it } from "vitest";

import { output, ROOT } from "../support/commands.js";
import { runCommand } from "../support/run-command.js";
import { entry, scenario } from "../support/seed-fixture.js";

const EMAILS = Array.from({ length: 60 }, (_, i) => `progress${i}@example.org`);

describe("progress bar", () => {
  it("shows on a terminal for 60 users, and not in logs", async () => {
    const s = await scenario(
      EMAILS.map((email) => ({ email })),
      EMAILS.map((email) => entry(email, "Viewer")),
    );
    const env = { ...s.env, SEED_COGNITO_RPS: "100" };

    // `script` gives the seed a pseudo-terminal for stdout and stderr alike.
    const onTerminal = await runCommand("script", ["-qec", "npx tsx prisma/seed.ts --dry-run --lookup filter", "/dev/null"], {
      cwd: ROOT,
      env,
      timeoutMs: 120_000,
    });
    expect(onTerminal.code, output(onTerminal)).toBe(0);
    expect(onTerminal.stdout).toMatch(/resolving users in Cognito \|.*\| \d+\/60 users/);

    const inLogs = await runCommand("npx", ["tsx", "prisma/seed.ts", "--dry-run", "--lookup", "filter"], {
      cwd: ROOT,
      env,
      timeoutMs: 120_000,
    });
    expect(inLogs.code, output(inLogs)).toBe(0);
    expect(output(inLogs)).not.toContain("resolving users in Cognito");
  });
});
