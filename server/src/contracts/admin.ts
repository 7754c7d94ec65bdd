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

/** A person named in an audit entry, as they are now. */
export const auditPerson = z
  .object({ id: z.string(), email: z.string(), name: z.string() })
  .meta({ id: "AuditPerson", description: "A user named by an entry (as the account is now)" });
export type AuditPerson = z.infer<typeof auditPerson>;

/** The API key an entry is about: its name and prefix as the entry recorded them, else as the key is now. */
export const auditKey = z
  .object({
    id: z.string(),
    name: z.string().nullable().meta({ description: "The key's name at the time (null when nothing recorded it)" }),
    prefix: z.string().nullable().meta({ example: "fim_4tat" }),
    owner: auditPerson.nullable().meta({ description: "Whose key it is; null once the key is deleted" }),
    exists: z.boolean().meta({ description: "Whether the key still exists" }),
  })
  .meta({ id: "AuditKey" });
export type AuditKey = z.infer<typeof auditKey>;

export const auditEntry = z
  .object({
    id: z.string(),
    actor_id: z.string().nullable(),
    actor: auditPerson.nullable().meta({ description: "Who did it; null for nobody known or a deleted account" }),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    target_user: auditPerson
      .nullable()
      .meta({ description: "The user the entry is about (target_type user), when the account exists" }),
    target_key: auditKey.nullable().meta({ description: "The API key the entry is about (target_type api_key)" }),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    created_at: instant,
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof auditEntry>;
