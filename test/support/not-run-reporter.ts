/**
 * Says, in one line at the end of a run, which tests this machine could not
 * run (the PgBouncer ones, without PgBouncer) and what to install: left out
 * of the run by vitest.config.ts, they would otherwise go unmentioned.
 */
import type { Reporter, TestModule } from "vitest/node";

import { notRunLine } from "./pgbouncer-install.js";

/** The project a test file belongs to: its folder under test/. */
const projectOf = (file: string) => file.split(/[\\/]/)[1];

export default class NotRunReporter implements Reporter {
  constructor(private readonly notRun: readonly string[]) {}

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    // Only those of the projects this run ran: `npm run test:unit` leaves out nothing it was asked for.
    const ran = new Set(modules.map((module) => module.project.name));
    const missed = this.notRun.filter((file) => ran.has(projectOf(file) ?? ""));
    if (missed.length > 0) process.stdout.write(`\n${notRunLine(missed)}\n`);
  }
}
