/**
 * Suite 8, advisories: what runs on the boot path has no known high or
 * critical advisory. It asks the npm registry's audit API, which answers only
 * POST requests; from networks that allow the registry's GET requests alone
 * (this project's machines among them) it cannot get an answer, and then it
 * fails, saying so, rather than pass unchecked. That is why it runs in
 * `npm run test:reliability` only, not in `npm test`.
 */
import { describe, expect, it } from "vitest";

import { output, ROOT } from "../support/commands.js";
import { runCommand } from "../support/run-command.js";
import { check } from "./support/supply-chain.js";

type Severity = "info" | "low" | "moderate" | "high" | "critical";

interface AuditReport {
  metadata?: { vulnerabilities?: Partial<Record<Severity | "total", number>> };
  vulnerabilities?: Record<string, { severity: Severity }>;
  /** Set instead of the above when npm could not get an answer from the advisory endpoint. */
  error?: { code?: string; summary?: string; detail?: string };
  message?: string;
  statusCode?: number;
}

describe("supply chain: advisories", () => {
  it("npm audit --omit=dev reports no high or critical advisory", async (context) => {
    const result = await runCommand("npm", ["audit", "--omit=dev", "--json"], { cwd: ROOT, timeoutMs: 120_000 });
    let report: AuditReport | undefined;
    try {
      report = JSON.parse(result.stdout) as AuditReport;
    } catch {
      report = undefined;
    }
    const counts = report?.metadata?.vulnerabilities;
    if (counts === undefined) {
      check(context, false);
      // npm exits non-zero both when it finds advisories and when it cannot ask; only the latter lacks the counts.
      const why = report?.message ?? report?.error?.summary ?? `exit code ${String(result.code)}, output not an audit report`;
      expect.fail(
        `npm audit could not get an answer from the registry's advisory endpoint, so the dependencies are unchecked: ${why}\n` +
          `(this check needs the npm registry's audit API; it fails rather than pass unchecked)\n${output(result)}`,
      );
    }
    const serious = Object.entries(report?.vulnerabilities ?? {})
      .filter(([, vulnerability]) => vulnerability.severity === "high" || vulnerability.severity === "critical")
      .map(([name, vulnerability]) => `${name} (${vulnerability.severity})`);
    const highOrCritical = (counts.high ?? 0) + (counts.critical ?? 0);
    check(context, highOrCritical === 0);
    expect(
      highOrCritical,
      `high or critical advisories in production dependencies: ${serious.join(", ")}; counts ${JSON.stringify(counts)}`,
    ).toBe(0);
  });
});
