// Two-factor login over REST: the caller's enrolment (login sessions only, never an API key: a
// leaked key must not be able to put its own authenticator on the account), and the
// administrators' reset and policy.

import { idParams } from "../../contracts/common.ts";
import {
  confirmTotpBody,
  disableTotpBody,
  mfaPolicy,
  mfaPolicyBody,
  mfaReset,
  mfaStatus,
  recoveryCodes,
  totpEnrolment,
} from "../../contracts/mfa.ts";
import { adminActor } from "../../services/admin.ts";
import {
  adminResetMfa,
  confirmTotpEnrolment,
  disableTotp,
  getMfaPolicy,
  mfaStatus as readMfaStatus,
  regenerateRecoveryCodes,
  setMfaPolicy,
  startTotpEnrolment,
} from "../../services/mfa.ts";
import { defineRoute } from "../route.ts";

const admin = { scope: "admin" } as const;

export const mfaRoutes = [
  defineRoute({
    method: "get",
    path: "/api/me/mfa",
    operationId: "getMfaStatus",
    tag: "mfa",
    summary: "Whether two-factor login is on, and how many recovery codes are left",
    access: "session",
    success: { status: 200, description: "The caller's second factor", schema: mfaStatus },
    handler: ({ ctx, principal }) => readMfaStatus(ctx, principal.user.id),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/mfa/totp",
    operationId: "startTotpEnrolment",
    tag: "mfa",
    summary: "Start enrolling an authenticator app: a new secret, not in force until confirmed with a code",
    access: "session",
    success: { status: 201, description: "The secret, as text and as an otpauth:// URI", schema: totpEnrolment },
    errors: [400],
    handler: ({ ctx, principal, meta }) => startTotpEnrolment(ctx, principal, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/mfa/totp/confirm",
    operationId: "confirmTotpEnrolment",
    tag: "mfa",
    summary:
      "Confirm the enrolment with a current code: two-factor login is on; returns 10 recovery codes (shown once)",
    access: "session",
    body: confirmTotpBody,
    success: { status: 200, description: "Single-use recovery codes", schema: recoveryCodes },
    errors: [400],
    handler: ({ ctx, principal, body, meta }) => confirmTotpEnrolment(ctx, principal.user.id, body.code, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/me/mfa/recovery-codes",
    operationId: "regenerateRecoveryCodes",
    tag: "mfa",
    summary: "Replace the recovery codes: 10 new ones (shown once); the earlier ones stop working at once",
    access: "session",
    success: { status: 200, description: "The new single-use recovery codes", schema: recoveryCodes },
    errors: [400],
    handler: ({ ctx, principal, meta }) => regenerateRecoveryCodes(ctx, principal, meta),
  }),
  defineRoute({
    method: "delete",
    path: "/api/me/mfa/totp",
    operationId: "disableTotp",
    tag: "mfa",
    summary: "Turn two-factor login off, with a current code (or a recovery code) or the password",
    access: "session",
    body: disableTotpBody,
    success: { status: 204, description: "Two-factor login is off; the recovery codes are gone" },
    errors: [400, 404, 429],
    handler: async ({ ctx, principal, body, meta }) => {
      await disableTotp(ctx, principal.user.id, body, meta);
      return undefined;
    },
  }),
  defineRoute({
    method: "delete",
    path: "/api/admin/users/:id/mfa",
    operationId: "adminResetMfa",
    tag: "admin",
    summary: "Remove a user's second factor and recovery codes (they log in with the password until they enrol again)",
    access: admin,
    params: idParams,
    success: { status: 200, description: "Whose factor was reset, and whether they had one", schema: mfaReset },
    errors: [404],
    handler: ({ ctx, principal, params, meta }) => adminResetMfa(ctx, adminActor(principal), params.id, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/admin/mfa-policy",
    operationId: "adminGetMfaPolicy",
    tag: "admin",
    summary: "Whether administrators need two-factor login for admin actions",
    access: admin,
    success: { status: 200, description: "The policy", schema: mfaPolicy },
    handler: ({ ctx }) => getMfaPolicy(ctx),
  }),
  defineRoute({
    method: "put",
    path: "/api/admin/mfa-policy",
    operationId: "adminSetMfaPolicy",
    tag: "admin",
    summary: "Require (or stop requiring) two-factor login of administrators for admin actions",
    access: admin,
    body: mfaPolicyBody,
    success: { status: 200, description: "The policy now", schema: mfaPolicy },
    errors: [400],
    handler: ({ ctx, principal, body, meta }) => setMfaPolicy(ctx, adminActor(principal), body, meta),
  }),
];
