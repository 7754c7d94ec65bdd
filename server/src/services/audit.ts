// The audit log: append-only records of who did what, from where.
import type { AppContext } from "../context.ts";

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
  | "admin.api_key_delete";

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
): Promise<void> {
  await ctx.db.auditLog.create({
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

export interface AuditQuery {
  userId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export async function listAudit(ctx: AppContext, query: AuditQuery) {
  const rows = await ctx.db.auditLog.findMany({
    where: {
      ...(query.userId ? { OR: [{ actorId: query.userId }, { targetId: query.userId }] } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.from || query.to
        ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lte: query.to } : {}) } }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      actor_id: row.actorId,
      action: row.action,
      target_type: row.targetType,
      target_id: row.targetId,
      ip: row.ip,
      user_agent: row.userAgent,
      detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
      created_at: row.createdAt.toISOString(),
    })),
    next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
