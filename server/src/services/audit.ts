// The audit log: append-only records of who did what, from where.

import type { Prisma } from "@fim/db";
import type { AppContext } from "../context.ts";
import type { AuditEntry, AuditKey, AuditPerson, AuditQueryInput } from "../contracts/admin.ts";
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
  | "mfa.recovery_codes_regenerate"
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
  | "session.revoke_others"
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
  const shown = rows.slice(0, query.limit);
  const names = await namesFor(ctx, shown);
  return toPage(rows, query, (row) => {
    const detail = readJsonColumn(row.detail, jsonObject, null);
    return {
      id: row.id,
      actor_id: row.actorId,
      actor: (row.actorId && names.people.get(row.actorId)) || null,
      action: row.action,
      target_type: row.targetType,
      target_id: row.targetId,
      target_user: (row.targetType === "user" && row.targetId && names.people.get(row.targetId)) || null,
      target_key: row.targetType === "api_key" && row.targetId ? keyOf(row.targetId, detail, names) : null,
      ip: row.ip,
      user_agent: row.userAgent,
      detail,
      created_at: row.createdAt.toISOString(),
    };
  });
}

interface AuditNames {
  people: Map<string, AuditPerson>;
  keys: Map<string, { name: string; prefix: string; userId: string }>;
}

/**
 * The people and keys a page of entries names, in two queries whatever the page's size: the keys
 * first (their owners are people to name too), then every person at once.
 */
async function namesFor(
  ctx: AppContext,
  rows: { actorId: string | null; targetType: string | null; targetId: string | null }[],
): Promise<AuditNames> {
  const keyIds = new Set<string>();
  const userIds = new Set<string>();
  for (const row of rows) {
    if (row.actorId) userIds.add(row.actorId);
    if (row.targetId && row.targetType === "api_key") keyIds.add(row.targetId);
    if (row.targetId && row.targetType === "user") userIds.add(row.targetId);
  }
  const keyRows =
    keyIds.size > 0
      ? await ctx.db.apiKey.findMany({
          where: { id: { in: [...keyIds] } },
          select: { id: true, name: true, prefix: true, userId: true },
        })
      : [];
  for (const key of keyRows) userIds.add(key.userId);
  const people =
    userIds.size > 0
      ? await ctx.db.user.findMany({
          where: { id: { in: [...userIds] } },
          select: { id: true, email: true, name: true },
        })
      : [];
  return {
    people: new Map(people.map((person) => [person.id, person])),
    keys: new Map(keyRows.map((key) => [key.id, key])),
  };
}

/** The key an entry is about: the name and prefix the entry recorded (what it was called then), else its current ones. */
function keyOf(keyId: string, detail: Record<string, unknown> | null, names: AuditNames): AuditKey {
  const now = names.keys.get(keyId);
  const recorded = (field: string) => {
    const value = detail?.[field];
    if (typeof value === "string") return value;
    // A rename records { before, after }: the name it was given is the one it had then.
    if (value && typeof value === "object" && typeof (value as { after?: unknown }).after === "string") {
      return (value as { after: string }).after;
    }
    return null;
  };
  return {
    id: keyId,
    name: recorded("name") ?? now?.name ?? null,
    prefix: recorded("prefix") ?? now?.prefix ?? null,
    owner: (now && names.people.get(now.userId)) || null,
    exists: now !== undefined,
  };
}
