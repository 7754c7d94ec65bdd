// People: the user as every answer shows it, and what administrators may ask of accounts.
import { instant, pageQuery, z } from "./common.ts";

export const ROLES = ["user", "admin"] as const;
export const role = z.enum(ROLES);
export type Role = z.infer<typeof role>;

/** An email address as typed: the server trims and lower-cases it. */
export const MAX_EMAIL_CHARS = 254;
export const MAX_USER_NAME_CHARS = 200;
export const MAX_PASSWORD_CHARS = 1024;

export const user = z
  .object({
    id: z.string(),
    email: z.string().meta({ description: "Lower-case" }),
    name: z.string(),
    role,
    disabled: z.boolean(),
    created_at: instant,
  })
  .meta({ id: "User" });
export type User = z.infer<typeof user>;

/** Who a credential belongs to, as /api/auth/verify and the portal's session tell it. */
export const userSummary = user.pick({ id: true, email: true, name: true, role: true }).meta({ id: "UserSummary" });

export const listUsersQuery = pageQuery.extend({
  search: z.string().max(200).optional().meta({ description: "Part of the email or the name" }),
});

export const createUserBody = z.strictObject({
  email: z.email().max(MAX_EMAIL_CHARS),
  password: z.string().max(MAX_PASSWORD_CHARS),
  name: z.string().max(MAX_USER_NAME_CHARS).optional(),
  role: role.optional().meta({ description: "Default user" }),
});

export const updateUserBody = z.strictObject({
  disabled: z.boolean().optional().meta({ description: "true ends the user's sessions and stops their keys at once" }),
  role: role.optional(),
});

export const revokedSessions = z.object({ revoked_sessions: z.number().int().min(0) });
