// The caller's own account: who they are, their login sessions and their password.
import { scope } from "./apiKeys.ts";
import { credentialType } from "./auth.ts";
import { instant, z } from "./common.ts";
import { MAX_PASSWORD_CHARS, user } from "./users.ts";

export const me = z
  .object({
    user,
    credential: z.object({
      type: credentialType,
      scopes: z.array(scope).meta({ description: "Empty: full access" }),
      key_prefix: z.string().nullable(),
      expires_at: instant.nullable(),
    }),
    mfa_enabled: z.boolean().meta({ description: "Whether the account has two-factor login on" }),
  })
  .meta({ id: "Me" });

/** The portal's view of the signed-in person. */
export const portalMe = z.object({ user, access_expires_in: z.number().int().nullable() });

export const session = z
  .object({
    id: z.string(),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    created_at: instant,
    last_used_at: instant,
    expires_at: instant,
    current: z.boolean().meta({ description: "The session of the token that asked" }),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof session>;

export const sessionList = z.object({ items: z.array(session) });

export const sessionRevoked = z.object({ ok: z.literal(true), current: z.boolean() });

export const otherSessionsRevoked = z
  .object({
    revoked_sessions: z.number().int().min(0).meta({ description: "How many other sessions ended" }),
  })
  .meta({ id: "OtherSessionsRevoked" });

export const changePasswordBody = z.strictObject({
  current_password: z.string().max(MAX_PASSWORD_CHARS),
  new_password: z.string().max(MAX_PASSWORD_CHARS).meta({ description: "At least 12 characters" }),
});

export const passwordChanged = z.object({ ok: z.literal(true), other_sessions_ended: z.number().int().min(0) });
