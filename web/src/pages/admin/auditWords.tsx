// The audit log in words: each entry as a sentence ("Ada disabled key 'Zapier' (fim_4tat…)") whose
// people link to Admin → Users and whose keys link to Admin → All keys, and its detail as labelled
// values (before → after) instead of JSON.
import type { AuditAction } from "@fim/server/trpc";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { formatDateTime } from "../../lib/dateFormat.ts";
import type { RouterOutputs } from "../../lib/trpc.ts";
import { describeDevice } from "../settings/SessionsPage.tsx";

export type AuditEntry = RouterOutputs["admin"]["audit"]["items"][number];
type Person = NonNullable<AuditEntry["actor"]>;
type Key = NonNullable<AuditEntry["target_key"]>;

/** Every action the server records, with its name in the Action filter (typed: a new action must be worded). */
export const ACTION_LABELS: Record<AuditAction, string> = {
  login: "Logged in",
  login_failed: "Failed login",
  logout: "Logged out",
  logout_all: "Logged out everywhere",
  refresh_reuse_detected: "Reused refresh token",
  password_changed: "Changed password",
  "mfa.totp_enrol": "Started two-factor setup",
  "mfa.enable": "Turned on two-factor login",
  "mfa.disable": "Turned off two-factor login",
  "mfa.recovery_code_used": "Used a recovery code",
  "mfa.recovery_codes_regenerate": "Replaced recovery codes",
  "admin.mfa_reset": "Admin: reset two-factor login",
  "admin.mfa_policy": "Admin: two-factor policy",
  password_reset_requested: "Asked for a password reset",
  password_reset: "Reset password by link",
  reauthenticated: "Confirmed password",
  reauthenticate_failed: "Failed to confirm password",
  "api_key.create": "Created a key",
  "api_key.update": "Changed a key",
  "api_key.enable": "Enabled a key",
  "api_key.disable": "Disabled a key",
  "api_key.delete": "Deleted a key",
  "api_key.roll": "Rolled a key",
  "session.revoke": "Revoked a session",
  "session.revoke_others": "Logged out other sessions",
  "admin.user_create": "Admin: created a user",
  "admin.user_disable": "Admin: disabled a user",
  "admin.user_enable": "Admin: enabled a user",
  "admin.user_role": "Admin: changed a role",
  "admin.user_password_reset": "Admin: reset a password",
  "admin.sessions_revoke": "Admin: ended a user's sessions",
  "admin.api_key_disable": "Admin: disabled a key",
  "admin.api_key_enable": "Admin: enabled a key",
  "admin.api_key_delete": "Admin: deleted a key",
  "admin.key_settings": "Admin: key policy",
};

function displayName(person: Person): string {
  return person.name.trim() || person.email;
}

/** A person, linking to Admin → Users showing just them. */
export function PersonLink({ person }: { person: Person }) {
  return (
    <Link to={`/admin/users?search=${encodeURIComponent(person.email)}`} title={person.email}>
      {displayName(person)}
    </Link>
  );
}

/** "'Zapier' (fim_4tat…)", linking to Admin → All keys showing its owner's keys while it exists. */
export function KeyLink({ apiKey }: { apiKey: Key }) {
  const words = `${apiKey.name ? `'${apiKey.name}'` : "a key"}${apiKey.prefix ? ` (${apiKey.prefix}…)` : ""}`;
  if (!apiKey.exists || !apiKey.owner) return <span>{words}</span>;
  return (
    <Link to={`/admin/keys?user_id=${encodeURIComponent(apiKey.owner.id)}`} title={`A key of ${apiKey.owner.email}`}>
      {words}
    </Link>
  );
}

const FAILED_LOGIN: Record<string, string> = {
  wrong_password: "wrong password",
  disabled: "the account is disabled",
  wrong_second_factor: "wrong two-factor code",
  unknown_email: "no such account",
};

/** The sentence an entry reads as; people and keys are links. */
export function auditSentence(entry: AuditEntry): ReactNode {
  const detail = entry.detail ?? {};
  const someone = (person: Person | null, fallback: string): ReactNode =>
    person ? <PersonLink person={person} /> : fallback;
  const actor = someone(entry.actor, entry.actor_id ? "A deleted user" : "Someone");
  const target = someone(entry.target_user, "a deleted user");
  const key = entry.target_key ? <KeyLink apiKey={entry.target_key} /> : "a key";
  // Whose key an administrator acted on, when it still exists and is not their own.
  const ownersKey =
    entry.target_key?.owner && entry.target_key.owner.id !== entry.actor_id ? (
      <>
        <PersonLink person={entry.target_key.owner} />
        's key {key}
      </>
    ) : (
      <>key {key}</>
    );
  switch (entry.action) {
    case "login":
      return <>{actor} logged in</>;
    case "login_failed": {
      const reason = FAILED_LOGIN[String(detail.reason)] ?? "refused";
      if (!entry.actor && typeof detail.email === "string") {
        return (
          <>
            Someone failed to log in as <strong>{detail.email}</strong> ({reason})
          </>
        );
      }
      return (
        <>
          {entry.actor ? actor : target} failed to log in ({reason})
        </>
      );
    }
    case "logout":
      return <>{actor} logged out</>;
    case "logout_all":
      return <>{actor} logged out everywhere</>;
    case "refresh_reuse_detected":
      return <>A reused refresh token ended a session of {actor}</>;
    case "password_changed":
      return <>{actor} changed their password</>;
    case "mfa.totp_enrol":
      return <>{actor} started setting up two-factor login</>;
    case "mfa.enable":
      return <>{actor} turned on two-factor login</>;
    case "mfa.disable":
      return <>{actor} turned off two-factor login</>;
    case "mfa.recovery_code_used":
      return <>{actor} logged in with a recovery code</>;
    case "mfa.recovery_codes_regenerate":
      return <>{actor} replaced their recovery codes with new ones</>;
    case "admin.mfa_reset":
      return (
        <>
          {detail.via === "cli" ? "The operator's command line" : actor} reset the two-factor login of {target}
        </>
      );
    case "admin.mfa_policy":
      return (
        <>
          {actor} turned {detail.require_for_admins ? "on" : "off"} “Require two-factor login for administrators”
        </>
      );
    case "password_reset_requested":
      return <>{entry.target_user ? target : actor} asked for a password reset link</>;
    case "password_reset":
      return <>{entry.target_user ? target : actor} set a new password with a reset link</>;
    case "reauthenticated":
      return <>{actor} confirmed their password</>;
    case "reauthenticate_failed":
      return <>{actor} failed to confirm their password</>;
    case "api_key.create":
      return (
        <>
          {actor} created key {key}
        </>
      );
    case "api_key.update":
      return (
        <>
          {actor} changed key {key}
        </>
      );
    case "api_key.enable":
      return (
        <>
          {actor} enabled key {key}
        </>
      );
    case "api_key.disable":
      return (
        <>
          {actor} disabled key {key}
        </>
      );
    case "api_key.delete":
      return (
        <>
          {actor} deleted key {key}
        </>
      );
    case "api_key.roll":
      return (
        <>
          {actor} rolled key {key}
        </>
      );
    case "session.revoke":
      return <>{actor} revoked one of their sessions</>;
    case "session.revoke_others":
      return <>{actor} logged out all their other sessions</>;
    case "admin.user_create":
      return (
        <>
          {actor} created the account of {target}
        </>
      );
    case "admin.user_disable":
      return (
        <>
          {actor} disabled {target}
        </>
      );
    case "admin.user_enable":
      return (
        <>
          {actor} enabled {target}
        </>
      );
    case "admin.user_role":
      return (
        <>
          {actor} changed {target}'s role to {detail.to === "admin" ? "administrator" : String(detail.to ?? "?")}
        </>
      );
    case "admin.user_password_reset":
      return (
        <>
          {actor} reset the password of {target}
        </>
      );
    case "admin.sessions_revoke":
      return (
        <>
          {actor} ended every session of {target}
        </>
      );
    case "admin.api_key_disable":
      return (
        <>
          {actor} disabled {ownersKey}
        </>
      );
    case "admin.api_key_enable":
      return (
        <>
          {actor} enabled {ownersKey}
        </>
      );
    case "admin.api_key_delete":
      return (
        <>
          {actor} deleted {ownersKey}
        </>
      );
    case "admin.key_settings":
      return <>{actor} changed the key policy</>;
    default:
      return (
        <>
          {actor}: {ACTION_LABELS[entry.action as AuditAction] ?? entry.action}
        </>
      );
  }
}

const DETAIL_LABELS: Record<string, string> = {
  changed: "Changed",
  name: "Name",
  scopes: "Scopes",
  expires_at: "Expires",
  allowed_ips: "Allowed addresses",
  rate_limit: "Rate limit",
  is_active: "Active",
  overlap: "Old secret kept for",
  previous_prefix: "Previous prefix",
  revoked_sessions: "Sessions ended",
  sessions_ended: "Sessions ended",
  recovery_codes_left: "Recovery codes left",
  unused_codes_replaced: "Unused codes replaced",
  had_second_factor: "Had two-factor login",
  require_for_admins: "Required for administrators",
  max_key_lifetime_days: "Maximum key lifetime (days)",
  role: "Role",
  email: "Email",
  reason: "Reason",
  proof: "Confirmed with",
  sent: "Link sent",
  delivery: "Delivered by",
  from: "Role before",
  to: "Role after",
};

/** What the sentence already says, not repeated below it. */
const IN_SENTENCE: Record<string, string[]> = {
  "admin.user_role": ["from", "to"],
  "admin.mfa_policy": ["require_for_admins"],
  "admin.mfa_reset": ["via"],
  login_failed: ["reason", "email"],
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Values whose emptiness means "no restriction". */
const EMPTY_MEANS: Record<string, string> = { scopes: "full access", allowed_ips: "any address" };

function plainValue(value: unknown, field = ""): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return ISO_INSTANT.test(value) ? formatDateTime(value) : value;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) {
    return value.length === 0 ? (EMPTY_MEANS[field] ?? "none") : value.map((v) => plainValue(v)).join(", ");
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if ("requests" in record && "window_seconds" in record) {
      return `${record.requests} requests per ${record.window_seconds} s`;
    }
    return Object.entries(record)
      .map(([k, v]) => `${k.replaceAll("_", " ")}: ${plainValue(v, k)}`)
      .join("; ");
  }
  return String(value);
}

function isChange(value: unknown): value is { before: unknown; after: unknown } {
  return typeof value === "object" && value !== null && "before" in value && "after" in value;
}

function labelOf(field: string): string {
  const known = DETAIL_LABELS[field];
  if (known) return known;
  const words = field.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An entry's detail as labelled values; a change reads "before → after". */
export function AuditDetail({ entry }: { entry: AuditEntry }) {
  const skip = new Set(IN_SENTENCE[entry.action] ?? []);
  // The key's name and prefix are in the sentence, unless they changed.
  if (entry.target_key) for (const field of ["name", "prefix"]) skip.add(field);
  const rows = Object.entries(entry.detail ?? {}).filter(([field, value]) => !skip.has(field) || isChange(value));
  const extra = entry.user_agent ? [["Device", entry.user_agent] as const] : [];
  if (rows.length === 0 && extra.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-detail">
      {rows.map(([field, value]) => (
        <div key={field}>
          <dt>{labelOf(field)}</dt>
          <dd>
            {isChange(value) ? (
              <>
                {plainValue(value.before, field)} <span aria-hidden="true">→</span>
                <span className="sr-only"> changed to </span> {plainValue(value.after, field)}
              </>
            ) : (
              plainValue(
                field === "changed" && Array.isArray(value) ? value.map((v) => labelOf(String(v))) : value,
                field,
              )
            )}
          </dd>
        </div>
      ))}
      {extra.map(([label, value]) => (
        <div key={label} className="audit-detail-agent">
          <dt>{label}</dt>
          <dd title={value}>{describeDevice(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
