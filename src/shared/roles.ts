/**
 * FLIP's fixed roles. Other FLIP services hard-code these ids: never change them.
 *
 * `scope` says where a role is held: a `global` role platform-wide (its
 * `user_role` row has no `trust_id`), a `trust` role only at one trust (its
 * row always carries the trust's id). The seed grants global roles only; a
 * trust role is the platform's to grant, per trust.
 */
export const ROLES = [
  { id: "64d3145b-034c-4328-b637-8eb54313b7c5", name: "Admin", description: "A role for administrators.", scope: "global" },
  {
    id: "10b64ed0-bc90-4c01-9cc3-933c704905c1",
    name: "Researcher",
    description: "A researcher role, used as the default role with minimal permissions.",
    scope: "global",
  },
  {
    id: "cdee79c9-a5e1-4b9e-a315-1ec2f3d29efe",
    name: "Viewer",
    description: "Read-only access to assigned projects. Cannot create, edit, or delete resources.",
    scope: "global",
  },
  {
    id: "8a3d6f14-9b52-4e07-a6c8-1d4f7b2e9053",
    name: "Trust Admin",
    description: "Researcher access, plus approving or declining projects for one trust.",
    scope: "trust",
  },
] as const;

/** One of the fixed roles the migrations insert. */
export type FixedRole = (typeof ROLES)[number];
/** A fixed role held platform-wide. */
export type GlobalRole = Extract<FixedRole, { scope: "global" }>;

/** A global role: the roles a manifest names and the seed grants. */
export type RoleName = GlobalRole["name"];

/** A role held per trust only, which the seed never grants. */
export type TrustRoleName = Extract<FixedRole, { scope: "trust" }>["name"];

function isGlobal(role: FixedRole): role is GlobalRole {
  return role.scope === "global";
}

/** The global roles' names, in `ROLES` order: what a manifest entry's `role` may be. */
export const ROLE_NAMES = ROLES.filter(isGlobal).map((role) => role.name) as [RoleName, ...RoleName[]];

/** The per-trust roles' names. */
export const TRUST_ROLE_NAMES: readonly string[] = ROLES.filter((role) => !isGlobal(role)).map((role) => role.name);

export function roleByName(name: RoleName): GlobalRole {
  return ROLES.filter(isGlobal).find((role) => role.name === name)!;
}
