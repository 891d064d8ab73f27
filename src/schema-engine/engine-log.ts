/**
 * The engine's stderr, in the native engine's format: one JSON object a line.
 * Prisma's CLI reads `fields.message` of each line, and the last `ERROR` line
 * becomes the message it shows when the engine exits non-zero.
 */
export type EngineLogLevel = "INFO" | "WARN" | "ERROR";

function engineLogLine(level: EngineLogLevel, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...extra },
    target: "schema_engine::logger",
  });
}

export function writeEngineLog(level: EngineLogLevel, message: string, extra?: Record<string, unknown>): void {
  process.stderr.write(`${engineLogLine(level, message, extra)}\n`);
}
