/** Small helpers the bench's tables share. */

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A plain-text table, columns right-aligned. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const format = (cells: Array<string | number>) => cells.map((cell, i) => String(cell).padStart(widths[i]!)).join("  ");
  return [format(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(format)].join("\n");
}
