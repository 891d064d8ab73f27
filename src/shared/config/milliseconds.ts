import { z } from "zod";

/**
 * A time in whole milliseconds, up to ten minutes: the rule of every *_MS
 * variable. Unset stays unset: the default belongs to the module that uses
 * the figure (the directory, the database client, the seed, the doctor),
 * which applies it, so it is written once.
 */
export const Milliseconds = z
  .string()
  .regex(/^\d+$/, "must be a whole number of milliseconds")
  .transform(Number)
  .refine((ms) => ms > 0 && ms <= 600_000, "must be between 1 and 600000")
  .optional();
