/**
 * FLIP's three roles. Other FLIP services hard-code these ids: never change them.
 */
export const ROLES = [
  { id: "64d3145b-034c-4328-b637-8eb54313b7c5", name: "Admin", description: "A role for administrators." },
  {
    id: "10b64ed0-bc90-4c01-9cc3-933c704905c1",
    name: "Researcher",
    description: "A researcher role, used as the default role with minimal permissions.",
  },
  {
    id: "cdee79c9-a5e1-4b9e-a315-1ec2f3d29efe",
    name: "Viewer",
    description: "Read-only access to assigned projects. Cannot create, edit, or delete resources.",
  },
] as const;

export type RoleName = (typeof ROLES)[number]["name"];

export const ROLE_NAMES = ROLES.map((role) => role.name) as [RoleName, ...RoleName[]];

export function roleByName(name: RoleName): (typeof ROLES)[number] {
  return ROLES.find((role) => role.name === name)!;
}
