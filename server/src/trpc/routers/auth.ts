// auth.*: log in and out with cookies. The tokens never reach the page's JavaScript; the page
// learns only when its access token expires, so it can refresh in time.
import { identityOf } from "../../auth/scopes.ts";
import {
  forgotPasswordBody,
  loggedOutEverywhere,
  loginBody,
  passwordResetDone,
  passwordResetRequested,
  portalSession,
  reauthenticateBody,
  reauthenticated,
  resetPasswordBody,
  secondsUntil,
  signedIn,
  type TokenPair,
} from "../../contracts/auth.ts";
import { ok, z } from "../../contracts/common.ts";
import { portalLoginMfaBody, portalMfaRequired } from "../../contracts/mfa.ts";
import { AppError } from "../../errors.ts";
import { recordAudit } from "../../services/audit.ts";
import { RESET_REQUESTED_MESSAGE, requestPasswordReset, resetPassword } from "../../services/passwordReset.ts";
import {
  completeMfaLogin,
  login,
  logout,
  reauthenticate,
  revokeAllSessions,
  rotateRefreshToken,
} from "../../services/sessions.ts";
import { protectedProcedure, publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  /**
   * Email and password. For an account with two-factor login the answer is `mfa_required` and no
   * session: the mfa_token waits in an HttpOnly cookie for `loginMfa`.
   */
  login: publicProcedure
    .input(loginBody)
    .output(z.union([signedIn, portalMfaRequired]))
    .mutation(async ({ ctx, input }) => {
      const answer = await login(ctx.app, input, ctx.meta);
      if ("mfa_required" in answer) {
        ctx.awaitSecondFactor(answer.mfa_token, answer.expires_in);
        return { mfa_required: true as const };
      }
      return { user: answer.user, session: ctx.startSession(answer) };
    }),

  /** The second step: a current code or a recovery code, with the mfa_token from its cookie. */
  loginMfa: publicProcedure
    .input(portalLoginMfaBody)
    .output(signedIn)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.mfaToken) {
        throw new AppError("unauthorized", "No login is waiting for a code: log in with your password again");
      }
      let pair: TokenPair;
      try {
        pair = await completeMfaLogin(ctx.app, { mfa_token: ctx.mfaToken, code: input.code }, ctx.meta);
      } catch (error) {
        // A wrong code may be typed again; a token that is gone (expired, used) is forgotten.
        if (error instanceof AppError && error.code !== "unauthorized" && error.code !== "rate_limited") {
          ctx.endSecondFactor();
        }
        throw error;
      }
      ctx.endSecondFactor();
      return { user: pair.user, session: ctx.startSession(pair) };
    }),

  /** Silent refresh: rotates the refresh token (path-scoped cookie) and issues a new access token. */
  refresh: publicProcedure.output(signedIn).mutation(async ({ ctx }) => {
    if (!ctx.refreshToken) throw new AppError("unauthorized", "No refresh token: log in again");
    try {
      const pair = await rotateRefreshToken(ctx.app, ctx.refreshToken, ctx.meta);
      return { user: pair.user, session: ctx.startSession(pair) };
    } catch (error) {
      if (error instanceof AppError) ctx.endSession();
      throw error;
    }
  }),

  /** Whether the access cookie is valid right now, and until when. Never fails for a stranger. */
  session: publicProcedure.output(portalSession).query(async ({ ctx }) => {
    try {
      const principal = await ctx.principal();
      return { user: identityOf(principal), access_expires_in: secondsUntil(principal.expiresAt, ctx.app.clock.now()) };
    } catch (error) {
      if (error instanceof AppError) return { user: null, access_expires_in: null };
      throw error;
    }
  }),

  logout: publicProcedure.output(ok).mutation(async ({ ctx }) => {
    try {
      const principal = await ctx.principal();
      if (principal.sessionId) await logout(ctx.app, principal.sessionId, principal.user.id, ctx.meta);
    } catch (error) {
      // An already-dead session has nothing left to revoke; the cookies are cleared either way.
      if (!(error instanceof AppError)) throw error;
    }
    ctx.endSession();
    return { ok: true as const };
  }),

  logoutEverywhere: protectedProcedure.output(loggedOutEverywhere).mutation(async ({ ctx }) => {
    const ended = await revokeAllSessions(ctx.app, ctx.userId, { reason: "logout_all" });
    await recordAudit(ctx.app, {
      actorId: ctx.userId,
      action: "logout_all",
      targetType: "user",
      targetId: ctx.userId,
      meta: ctx.meta,
    });
    ctx.endSession();
    return { ended };
  }),

  /** "Forgot password?": the same answer for every address; a link is mailed when it has an account. */
  forgotPassword: publicProcedure
    .input(forgotPasswordBody)
    .output(passwordResetRequested)
    .mutation(async ({ ctx, input }) => {
      await requestPasswordReset(ctx.app, input, ctx.meta);
      return { message: RESET_REQUESTED_MESSAGE };
    }),

  /** The reset link's page: a new password; every session ends, this browser's cookies too. */
  resetPassword: publicProcedure
    .input(resetPasswordBody)
    .output(passwordResetDone)
    .mutation(async ({ ctx, input }) => {
      const result = await resetPassword(ctx.app, input, ctx.meta);
      ctx.endSession();
      return { ok: true as const, ...result };
    }),

  /** Sudo mode: the password confirmed in this session opens sensitive actions for 10 minutes. */
  reauthenticate: protectedProcedure
    .input(reauthenticateBody)
    .output(reauthenticated)
    .mutation(({ ctx, input }) => reauthenticate(ctx.app, ctx.principal, input, ctx.meta)),
});
