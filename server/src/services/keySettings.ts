// Server-wide key policy that administrators set: the longest lifetime a new key may have. Kept
// in the ServerSetting table, so every instance reads the same value; read only when a key's
// expiry is set (creation, update), never on the request path.
import type { AppContext } from "../context.ts";
import { type KeySettings, MAX_KEY_LIFETIME_BOUNDS } from "../contracts/apiKeys.ts";
import { validationError } from "../errors.ts";
import type { AdminActor } from "./admin.ts";
import { type RequestMeta, recordAudit } from "./audit.ts";

const MAX_LIFETIME_SETTING = "max_key_lifetime_days";

export async function getKeySettings(ctx: AppContext): Promise<KeySettings> {
  const row = await ctx.db.serverSetting.findUnique({ where: { name: MAX_LIFETIME_SETTING } });
  const days = row ? Number(row.value) : Number.NaN;
  return { max_key_lifetime_days: Number.isInteger(days) && days > 0 ? days : null };
}

export async function updateKeySettings(
  ctx: AppContext,
  actor: AdminActor,
  input: KeySettings,
  meta: RequestMeta,
): Promise<KeySettings> {
  const days = input.max_key_lifetime_days;
  const { min, max } = MAX_KEY_LIFETIME_BOUNDS;
  if (days !== null && (!Number.isInteger(days) || days < min || days > max)) {
    throw validationError("max_key_lifetime_days", `must be a whole number of days from ${min} to ${max}, or null`);
  }
  const before = await getKeySettings(ctx);
  await ctx.db.$transaction(async (tx) => {
    if (days === null) await tx.serverSetting.deleteMany({ where: { name: MAX_LIFETIME_SETTING } });
    else
      await tx.serverSetting.upsert({
        where: { name: MAX_LIFETIME_SETTING },
        create: { name: MAX_LIFETIME_SETTING, value: String(days) },
        update: { value: String(days) },
      });
    await recordAudit(
      ctx,
      {
        actorId: actor.id,
        action: "admin.key_settings",
        targetType: "server_setting",
        targetId: MAX_LIFETIME_SETTING,
        meta,
        detail: { max_key_lifetime_days: { before: before.max_key_lifetime_days, after: days } },
      },
      tx,
    );
  });
  return { max_key_lifetime_days: days };
}

/**
 * Refuses an expiry past the administrators' maximum key lifetime, counted from now (a key asked
 * for with no expiry at all, too). Refused rather than shortened: the caller learns the limit
 * instead of holding a key that dies earlier than it asked.
 */
export async function assertWithinMaxLifetime(ctx: AppContext, expiresAt: Date | null): Promise<void> {
  const { max_key_lifetime_days: days } = await getKeySettings(ctx);
  if (days === null) return;
  const latest = ctx.clock.now().getTime() + days * 86_400_000;
  if (expiresAt === null || expiresAt.getTime() > latest) {
    throw validationError(
      "expires_at",
      `must be set, and at most ${days} days from now (this server's maximum key lifetime)`,
    );
  }
}
