// mfa.*: the signed-in person's two-factor login (Settings → Security), and the administrators'
// reset and policy (Admin → Users). Thin adapters over services/mfa.ts, as the REST routes are.
import { idParams, ok } from "../../contracts/common.ts";
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
import { adminProcedure, protectedProcedure, router } from "../trpc.ts";

export const mfaRouter = router({
  status: protectedProcedure.output(mfaStatus).query(({ ctx }) => readMfaStatus(ctx.app, ctx.userId)),

  start: protectedProcedure
    .output(totpEnrolment)
    .mutation(({ ctx }) => startTotpEnrolment(ctx.app, ctx.principal, ctx.meta)),

  confirm: protectedProcedure
    .input(confirmTotpBody)
    .output(recoveryCodes)
    .mutation(({ ctx, input }) => confirmTotpEnrolment(ctx.app, ctx.userId, input.code, ctx.meta)),

  regenerateRecoveryCodes: protectedProcedure
    .output(recoveryCodes)
    .mutation(({ ctx }) => regenerateRecoveryCodes(ctx.app, ctx.principal, ctx.meta)),

  disable: protectedProcedure
    .input(disableTotpBody)
    .output(ok)
    .mutation(async ({ ctx, input }) => {
      await disableTotp(ctx.app, ctx.userId, input, ctx.meta);
      return { ok: true as const };
    }),

  adminReset: adminProcedure
    .input(idParams)
    .output(mfaReset)
    .mutation(({ ctx, input }) => adminResetMfa(ctx.app, adminActor(ctx.principal), input.id, ctx.meta)),

  policy: adminProcedure.output(mfaPolicy).query(({ ctx }) => getMfaPolicy(ctx.app)),

  setPolicy: adminProcedure
    .input(mfaPolicyBody)
    .output(mfaPolicy)
    .mutation(({ ctx, input }) => setMfaPolicy(ctx.app, adminActor(ctx.principal), input, ctx.meta)),
});
