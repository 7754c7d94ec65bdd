// Administration: the audit log (users and keys are in users.ts and apiKeys.ts).
import { instant, pageQuery, z } from "./common.ts";

const instantOrDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

export const auditQuery = pageQuery.extend({
  user_id: z.string().max(100).optional().meta({ description: "Entries where this user is the actor or the target" }),
  action: z.string().max(100).optional().meta({ example: "admin.user_disable" }),
  since: instantOrDate
    .optional()
    .meta({ description: "ISO 8601 date-time, or a date meaning its start (UTC); inclusive" }),
  until: instantOrDate
    .optional()
    .meta({ description: "ISO 8601 date-time, or a date meaning its end (UTC); inclusive" }),
});
export type AuditQueryInput = z.infer<typeof auditQuery>;

export const auditEntry = z
  .object({
    id: z.string(),
    actor_id: z.string().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    created_at: instant,
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof auditEntry>;
