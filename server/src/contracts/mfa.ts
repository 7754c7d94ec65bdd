// Two-factor login (TOTP, RFC 6238): enrolment, the login's second step, and what administrators
// may do about it. Shared by the REST routes, the portal's procedures and the OpenAPI document.
import { MAX_TOKEN_CHARS, tokenPair } from "./auth.ts";
import { z } from "./common.ts";
import { MAX_PASSWORD_CHARS, user, userSummary } from "./users.ts";

/** How many recovery codes an enrolment hands out. */
export const RECOVERY_CODE_COUNT = 10;
/** How long the mfa_token of a login waiting for its second factor lasts, seconds. */
export const MFA_TOKEN_TTL_SECONDS = 300;
export const MAX_MFA_CODE_CHARS = 64;

const code = z
  .string()
  .max(MAX_MFA_CODE_CHARS)
  .meta({ description: "A current 6-digit code from the authenticator app, or an unused recovery code" });

export const totpEnrolment = z
  .object({
    secret: z
      .string()
      .meta({ description: "Base32 secret, to type into an authenticator app", example: "JBSWY3DPEHPK3PXP" }),
    otpauth_url: z.string().meta({
      description: "The same secret as an otpauth:// URI (what the QR code holds)",
      example:
        "otpauth://totp/FIM%20One:ada%40example.com?issuer=FIM%20One&secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30",
    }),
  })
  .meta({ id: "TotpEnrolment" });
export type TotpEnrolment = z.infer<typeof totpEnrolment>;

export const confirmTotpBody = z.strictObject({
  code: z.string().max(MAX_MFA_CODE_CHARS).meta({ description: "A current 6-digit code from the app" }),
});

export const recoveryCodes = z
  .object({
    recovery_codes: z
      .array(z.string())
      .meta({ description: "Single-use codes, shown this once: each one replaces a code from the app one time" }),
  })
  .meta({ id: "RecoveryCodes" });
export type RecoveryCodes = z.infer<typeof recoveryCodes>;

export const disableTotpBody = z
  .strictObject({
    code: code.optional(),
    password: z.string().max(MAX_PASSWORD_CHARS).optional(),
  })
  .meta({ description: "A current code (or a recovery code) or the account's password: one of the two" });

export const mfaStatus = z
  .object({
    enabled: z.boolean(),
    pending: z.boolean().meta({ description: "An enrolment was started and waits for its first code" }),
    recovery_codes_left: z.number().int().min(0),
  })
  .meta({ id: "MfaStatus" });
export type MfaStatus = z.infer<typeof mfaStatus>;

/** What a password login answers for an account with a second factor: no tokens yet. */
export const mfaChallenge = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().meta({ description: "Pass to /api/auth/login/mfa with a code; single-use" }),
    expires_in: z
      .number()
      .int()
      .meta({ description: "Seconds the mfa_token is valid", example: MFA_TOKEN_TTL_SECONDS }),
  })
  .meta({ id: "MfaChallenge" });
export type MfaChallenge = z.infer<typeof mfaChallenge>;

export const loginAnswer = z.union([tokenPair, mfaChallenge]).meta({
  description:
    "Tokens; or, for an account with two-factor login, `mfa_required` and an `mfa_token` for the second step",
});

export const loginMfaBody = z.strictObject({
  mfa_token: z.string().max(MAX_TOKEN_CHARS),
  code,
});

/** The portal's second step: the mfa_token travels in an HttpOnly cookie, only the code in the body. */
export const portalLoginMfaBody = z.strictObject({ code });

/** The portal's answer to a password that was right for an account with a second factor. */
export const portalMfaRequired = z.object({ mfa_required: z.literal(true) });

export const mfaPolicy = z
  .object({
    require_for_admins: z.boolean().meta({
      description: "Administrators without a second factor are refused admin actions (403 forbidden) until they enrol",
    }),
  })
  .meta({ id: "MfaPolicy" });
export type MfaPolicy = z.infer<typeof mfaPolicy>;

export const mfaPolicyBody = z.strictObject({ require_for_admins: z.boolean() });

export const mfaReset = z
  .object({
    user: userSummary,
    had_second_factor: z.boolean().meta({ description: "False when the user had none: nothing changed" }),
  })
  .meta({ id: "MfaReset" });
export type MfaResetResult = z.infer<typeof mfaReset>;

/** A user as administrators see them: with whether their account has two-factor login on. */
export const adminUser = user
  .extend({ mfa_enabled: z.boolean().meta({ description: "Whether two-factor login is on" }) })
  .meta({ id: "AdminUser" });
export type AdminUser = z.infer<typeof adminUser>;
