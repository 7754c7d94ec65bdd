// Logging in and out: the REST token exchange and the portal's cookie sessions.

import { scope } from "./apiKeys.ts";
import { instant, z } from "./common.ts";
import { MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, user, userSummary } from "./users.ts";

export const MAX_TOKEN_CHARS = 4096;

export const loginBody = z.strictObject({
  email: z.string().max(MAX_EMAIL_CHARS).meta({ example: "ada@example.com" }),
  password: z.string().max(MAX_PASSWORD_CHARS),
});

export const refreshBody = z.strictObject({ refresh_token: z.string().max(MAX_TOKEN_CHARS) });

export const logoutBody = z.strictObject({
  refresh_token: z
    .string()
    .max(MAX_TOKEN_CHARS)
    .optional()
    .meta({ description: "The session to end; without it, the session of the access token in the header" }),
});

export const tokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().meta({ description: "Seconds the access token is valid", example: 7200 }),
    refresh_expires_at: instant.meta({ description: "When the refresh token (and the session) ends" }),
    user,
  })
  .meta({ id: "TokenPair" });
export type TokenPair = z.infer<typeof tokenPair>;

export const credentialType = z.enum(["jwt", "api_key"]);

export const verification = z
  .object({
    valid: z.literal(true),
    type: credentialType,
    user: userSummary,
    expires_at: instant.nullable(),
    scopes: z.array(scope).meta({ description: "Empty: full access" }),
    key_prefix: z.string().nullable(),
  })
  .meta({ id: "Verification" });

// ---- forgotten passwords ----

export const forgotPasswordBody = z.strictObject({
  email: z.string().max(MAX_EMAIL_CHARS).meta({ example: "ada@example.com" }),
});

export const passwordResetRequested = z
  .object({
    message: z.string().meta({
      description: "The same for every address, with an account or without",
      example: "If the address has an account, a link to reset its password is on its way.",
    }),
  })
  .meta({ id: "PasswordResetRequested" });

export const resetPasswordBody = z.strictObject({
  token: z.string().max(200).meta({ description: "The `token` of the reset link's address" }),
  new_password: z.string().max(MAX_PASSWORD_CHARS).meta({ description: "At least 12 characters" }),
});

export const passwordResetDone = z
  .object({
    ok: z.literal(true),
    sessions_ended: z.number().int().min(0).meta({ description: "Every session of the account ends" }),
  })
  .meta({ id: "PasswordResetDone" });

// ---- re-authentication ("sudo mode") ----

export const reauthenticateBody = z.strictObject({
  password: z.string().max(MAX_PASSWORD_CHARS),
  code: z.string().max(32).optional().meta({
    description: "The current two-factor code, required when the account has two-factor login",
    example: "123456",
  }),
});

export const reauthenticated = z
  .object({
    reauthenticated_at: instant,
    sudo_until: instant.meta({ description: "Sensitive actions are open to this session until then" }),
    sudo_expires_in: z.number().int().meta({ description: "Seconds until sudo_until", example: 600 }),
  })
  .meta({ id: "Reauthenticated" });
export type Reauthenticated = z.infer<typeof reauthenticated>;

// ---- the portal's cookie session (tRPC) ----

export const sessionTimes = z.object({
  access_expires_at: instant,
  access_expires_in: z.number().int(),
  refresh_expires_at: instant,
});

export const signedIn = z.object({ user, session: sessionTimes });

export const portalSession = z.object({
  user: userSummary.nullable(),
  access_expires_in: z.number().int().nullable(),
});

export const loggedOutEverywhere = z.object({ ended: z.number().int().min(0) });

/** Seconds until an expiry, by the server's clock (never negative). */
export function secondsUntil(expiresAt: Date | null, now: Date): number | null {
  return expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)) : null;
}
