/**
 * The figures the reliability suites print. Each test records what it tried
 * and how much of it held, on its own task's metadata; the figures reporter
 * adds them up across the run and prints the table.
 */
import type { TestContext } from "vitest";

export interface Figures {
  /** Row label → how many were tried and how many held (exit code, end state, time bound all right). */
  counts: Record<string, { tried: number; held: number }>;
  /** Row label → how many times something that must never happen happened. */
  zeros: Record<string, number>;
}

declare module "vitest" {
  interface TaskMeta {
    figures?: Figures;
  }
}

/** Whether the suites run in full (`npm run test:reliability`) or in the quicker setting `npm test` uses. */
const FULL = process.env.FLIP_DB_RELIABILITY === "full";

/** `full` in a full run, `quick` otherwise. */
export function scale(full: number, quick: number): number {
  return FULL ? full : quick;
}

function figuresOf(context: TestContext): Figures {
  context.task.meta.figures ??= { counts: {}, zeros: {} };
  return context.task.meta.figures;
}

export function count(context: TestContext, label: string, tried: number, held: number): void {
  const row = (figuresOf(context).counts[label] ??= { tried: 0, held: 0 });
  row.tried += tried;
  row.held += held;
}

export function mustBeZero(context: TestContext, label: string, occurrences: number): void {
  const zeros = figuresOf(context).zeros;
  zeros[label] = (zeros[label] ?? 0) + occurrences;
}

/** Rows every run prints, so a missing row cannot pass for a zero. */
export const ZERO_ROWS = ["rows lost or half-written", "secret leaks", "full emails in output (redaction on)"] as const;
