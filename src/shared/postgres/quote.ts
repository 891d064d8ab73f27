/** Quotes a Postgres identifier (a database's or schema's name). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
