// /api/auth: login (and its second step), refresh, verify, logout; forgotten passwords;
// re-authentication (sudo mode).
import { authenticate, bearerToken } from "../../auth/authenticate.ts";
import { verifyToken } from "../../auth/jwt.ts";
import { identityOf } from "../../auth/scopes.ts";
import {
  forgotPasswordBody,
  loginBody,
  logoutBody,
  passwordResetDone,
  passwordResetRequested,
  reauthenticateBody,
  reauthenticated,
  refreshBody,
  resetPasswordBody,
  tokenPair,
  verification,
} from "../../contracts/auth.ts";
import { loginAnswer, loginMfaBody } from "../../contracts/mfa.ts";
import { AppError } from "../../errors.ts";
import { RESET_REQUESTED_MESSAGE, requestPasswordReset, resetPassword } from "../../services/passwordReset.ts";
import { completeMfaLogin, login, logout, reauthenticate, rotateRefreshToken } from "../../services/sessions.ts";
import { defineRoute } from "../route.ts";

export const authRoutes = [
  defineRoute({
    method: "post",
    path: "/api/auth/login",
    operationId: "login",
    tag: "auth",
    summary:
      "Log in with email and password; returns an access and a refresh token, or, for an account with two-factor login, an mfa_token for /api/auth/login/mfa",
    access: "public",
    body: loginBody,
    success: {
      status: 200,
      description: "Tokens for a new login session, or the second step's mfa_token",
      schema: loginAnswer,
    },
    errors: [400, 401, 429],
    handler: ({ ctx, body, meta }) => login(ctx, body, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/login/mfa",
    operationId: "loginSecondFactor",
    tag: "auth",
    summary:
      "The second step of a two-factor login: the mfa_token and a current code (or a recovery code); returns what login returns",
    access: "public",
    body: loginMfaBody,
    success: { status: 200, description: "Tokens for a new login session", schema: tokenPair },
    errors: [400, 401, 429],
    handler: ({ ctx, body, meta }) => completeMfaLogin(ctx, body, meta),
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/refresh",
    operationId: "refreshTokens",
    tag: "auth",
    summary: "Exchange a refresh token for a new pair (the old refresh token stops working)",
    access: "public",
    body: refreshBody,
    success: { status: 200, description: "A new token pair", schema: tokenPair },
    errors: [400, 401],
    handler: ({ ctx, body, meta }) => rotateRefreshToken(ctx, body.refresh_token, meta),
  }),
  defineRoute({
    method: "get",
    path: "/api/auth/verify",
    operationId: "verifyCredential",
    tag: "auth",
    summary: "Tell what the presented credential is and until when it is valid",
    access: "authenticated",
    success: {
      status: 200,
      description: "The credential is valid",
      schema: verification,
    },
    handler: ({ principal }) => ({
      valid: true,
      type: principal.kind,
      user: identityOf(principal),
      expires_at: principal.expiresAt?.toISOString() ?? null,
      scopes: principal.scopes,
      key_prefix: principal.keyPrefix,
    }),
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/logout",
    operationId: "logout",
    tag: "auth",
    summary: "End a login session: by its refresh token in the body, or the access token in the header",
    access: "public",
    body: logoutBody,
    success: { status: 204, description: "The session is revoked" },
    errors: [400, 401],
    handler: async ({ ctx, body, meta, req }) => {
      if (body.refresh_token) {
        const claims = verifyToken(ctx.config.jwtKey, ctx.clock, body.refresh_token, "refresh");
        await logout(ctx, claims.sid, claims.sub, meta);
        return undefined;
      }
      const principal = await authenticate(ctx, bearerToken(req.get("authorization")), { client: () => req.ip });
      if (!principal.sessionId) {
        throw new AppError("validation_error", "refresh_token: required when the caller is an API key", {
          extra: { details: [{ field: "refresh_token", message: "required when the caller is an API key" }] },
        });
      }
      await logout(ctx, principal.sessionId, principal.user.id, meta);
      return undefined;
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/password/forgot",
    operationId: "forgotPassword",
    tag: "auth",
    summary:
      "Ask for a password reset link by mail (valid 30 minutes, single-use). Always 202, whether the address has an account or not",
    access: "public",
    body: forgotPasswordBody,
    success: {
      status: 202,
      description: "Accepted; a link is mailed if the address has an account",
      schema: passwordResetRequested,
    },
    errors: [400, 429],
    handler: async ({ ctx, body, meta }) => {
      await requestPasswordReset(ctx, body, meta);
      return { message: RESET_REQUESTED_MESSAGE };
    },
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/password/reset",
    operationId: "resetPassword",
    tag: "auth",
    summary: "Set a new password with the token of a reset link; every session of the account ends",
    access: "public",
    body: resetPasswordBody,
    success: { status: 200, description: "The password is changed", schema: passwordResetDone },
    errors: [400],
    handler: async ({ ctx, body, meta }) => ({ ok: true as const, ...(await resetPassword(ctx, body, meta)) }),
  }),
  defineRoute({
    method: "post",
    path: "/api/auth/reauthenticate",
    operationId: "reauthenticate",
    tag: "auth",
    summary:
      "Confirm the password in this login session (sudo mode): creating full-access or admin keys, creating administrators and changing roles are open for 10 minutes",
    access: "authenticated",
    body: reauthenticateBody,
    success: { status: 200, description: "Confirmed; until when sensitive actions are open", schema: reauthenticated },
    errors: [400, 403, 429],
    handler: ({ ctx, principal, body, meta }) => reauthenticate(ctx, principal, body, meta),
  }),
];
