/**
 * The URL each database client was opened with, so that a database error can
 * name where the server is (host and port only, never the credentials)
 * without every caller passing the URL along. Apart from client.ts, which loads
 * Prisma's client, so that the seed can ask without loading it.
 */
const urls = new WeakMap<object, string>();

export function rememberDatabaseUrl(client: object, url: string): void {
  urls.set(client, url);
}

/** The URL `client` was opened with by `connectDatabase`, if it was. */
export function databaseUrlOf(client: object): string | undefined {
  return urls.get(client);
}
