// The audit log: append-only records of who did what, from where.

import type { Prisma } from "@fim/db";
import type { AppContext } from "../context.ts";
import type { AuditEntry, AuditQueryInput } from "../contracts/admin.ts";
import { type Page, z } from "../contracts/common.ts";
import { validationError } from "../errors.ts";
import { readJsonColumn } from "./jsonColumn.ts";

import { pageArgs, toPage } from "./paging.ts";

const jsonObject = z.record(z.string(), z.unknown()).nullable();

/** Where a request came from, recorded alongside security-relevant actions. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export type AuditAction =
  | "login"
  | "login_failed"
  | "logout"
  | "logout_all"
  | "refresh_reuse_detected"
  | "password_changed"
  | "mfa.totp_enrol"
  | "mfa.enable"
  | "mfa.disable"
  | "mfa.recovery_code_used"
  | "admin.mfa_reset"
  | "admin.mfa_policy"
  | "password_reset_requested"
  | "password_reset"
  | "reauthenticated"
  | "reauthenticate_failed"
  | "api_key.create"
  | "api_key.update"
  | "api_key.enable"
  | "api_key.disable"
  | "api_key.delete"
  | "api_key.roll"
  | "session.revoke"
  | "admin.user_create"
  | "admin.user_disable"
  | "admin.user_enable"
  | "admin.user_role"
  | "admin.user_password_reset"
  | "admin.sessions_revoke"
  | "admin.api_key_disable"
  | "admin.api_key_enable"
  | "admin.api_key_delete"
  | "admin.key_settings";

/**
 * Writes an audit entry. Pass the transaction that makes the change it records, so the change
 * and its entry are kept together or not at all.
 */
export async function recordAudit(
  ctx: AppContext,
  entry: {
    actorId: string | null;
    action: AuditAction;
    targetType?: string;
    targetId?: string;
    meta?: RequestMeta;
    detail?: Record<string, unknown>;
  },
  db: Prisma.TransactionClient = ctx.db,
): Promise<void> {
  await db.auditLog.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: entry.meta?.ip ?? null,
      userAgent: entry.meta?.userAgent?.slice(0, 512) ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      createdAt: ctx.clock.now(),
    },
  });
}

/** A bare date means the start of that day (UTC) as `since` and its end as `until`. */
function boundary(value: string | undefined, edge: "start" | "end"): Date | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return new Date(`${value}T${edge === "start" ? "00:00:00.000" : "23:59:59.999"}Z`);
  }
  return new Date(value);
}

export async function listAudit(ctx: AppContext, input: AuditQueryInput): Promise<Page<AuditEntry>> {
  const from = boundary(input.since, "start");
  const to = boundary(input.until, "end");
  if (from && to && from > to) throw validationError("since", "must not be after until");
  const query = { ...input, from, to, userId: input.user_id };
  const rows = await ctx.db.auditLog.findMany({
    where: {
      ...(query.userId ? { OR: [{ actorId: query.userId }, { targetId: query.userId }] } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.from || query.to
        ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lte: query.to } : {}) } }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    ...pageArgs(query),
  });
  return toPage(rows, query, (row) => ({
    id: row.id,
    actor_id: row.actorId,
    action: row.action,
    target_type: row.targetType,
    target_id: row.targetId,
    ip: row.ip,
    user_agent: row.userAgent,
    detail: readJsonColumn(row.detail, jsonObject, null),
    created_at: row.createdAt.toISOString(),
  }));
}
