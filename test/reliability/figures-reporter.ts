/**
 * Prints the reliability figures at the end of a run: what each suite tried,
 * what held, and the counters that must be zero.
 */
import type { Reporter, TestModule } from "vitest/node";

import { ZERO_ROWS, type Figures } from "./support/figures.js";

function collect(modules: ReadonlyArray<TestModule>): Figures {
  const total: Figures = { counts: {}, zeros: Object.fromEntries(ZERO_ROWS.map((row) => [row, 0])) };
  for (const module of modules) {
    if (module.project.name !== "reliability") continue;
    for (const test of module.children.allTests()) {
      const figures = test.meta().figures;
      if (!figures) continue;
      for (const [label, row] of Object.entries(figures.counts)) {
        const sum = (total.counts[label] ??= { tried: 0, held: 0 });
        sum.tried += row.tried;
        sum.held += row.held;
      }
      for (const [label, value] of Object.entries(figures.zeros)) total.zeros[label] = (total.zeros[label] ?? 0) + value;
    }
  }
  return total;
}

export default class FiguresReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const figures = collect(modules);
    if (Object.keys(figures.counts).length === 0) return;
    const rows = Object.entries(figures.counts).sort(([a], [b]) => a.localeCompare(b));
    const width = Math.max(...rows.map(([label]) => label.length), ...Object.keys(figures.zeros).map((l) => l.length), 20);
    const lines = [
      "",
      `Reliability figures (${process.env.FLIP_DB_RELIABILITY === "full" ? "full run" : "quick run"})`,
      `${"".padEnd(width)}  ${"tried".padStart(6)}  ${"held".padStart(6)}`,
      ...rows.map(
        ([label, row]) =>
          `${label.padEnd(width)}  ${String(row.tried).padStart(6)}  ${String(row.held).padStart(6)}${row.held === row.tried ? "" : "  <- FAILED"}`,
      ),
      "",
      `${"must be 0".padEnd(width)}  ${"count".padStart(6)}`,
      ...Object.entries(figures.zeros).map(
        ([label, value]) => `${label.padEnd(width)}  ${String(value).padStart(6)}${value === 0 ? "" : "  <- FAILED"}`,
      ),
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}
