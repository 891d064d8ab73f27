/** `1 user`, `2 users`: a count and its noun, for the lines people read. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
