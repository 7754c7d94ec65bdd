import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, test } from "vitest";
import { ACTION_LABELS, AuditDetail, type AuditEntry, auditSentence } from "./auditWords.tsx";

const ada = { id: "u1", email: "ada@example.com", name: "Ada" };
const carol = { id: "u2", email: "carol@example.com", name: "Carol" };

function entry(action: string, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: "e1",
    actor_id: ada.id,
    actor: ada,
    action,
    target_type: null,
    target_id: null,
    target_user: null,
    target_key: null,
    ip: "127.0.0.1",
    user_agent: null,
    detail: null,
    created_at: "2026-11-28T12:00:00.000Z",
    ...overrides,
  };
}

function text(node: React.ReactNode): string {
  return renderToStaticMarkup(<MemoryRouter>{node}</MemoryRouter>)
    .replace(/<[^>]+>/g, "")
    .replaceAll("&#x27;", "'");
}

describe("audit entries in words", () => {
  test("every action the server records has its own sentence", () => {
    for (const [action, label] of Object.entries(ACTION_LABELS)) {
      const sentence = text(auditSentence(entry(action)));
      expect(sentence, action).not.toContain(`: ${label}`);
      expect(sentence, action).not.toContain(action);
    }
  });

  test("an administrator's action on someone's key names both, and the key as it was", () => {
    const key = { id: "k1", name: "Zapier", prefix: "fim_4tat", owner: carol, exists: true };
    expect(
      text(auditSentence(entry("admin.api_key_disable", { target_type: "api_key", target_id: "k1", target_key: key }))),
    ).toBe("Ada disabled Carol's key 'Zapier' (fim_4tat…)");
    expect(
      text(auditSentence(entry("admin.user_role", { target_user: carol, detail: { from: "user", to: "admin" } }))),
    ).toBe("Ada changed Carol's role to administrator");
  });

  test("a second factor removed by the operator's CLI says so, not 'Someone'", () => {
    const reset = entry("admin.mfa_reset", {
      actor_id: null,
      actor: null,
      target_type: "user",
      target_id: carol.id,
      target_user: carol,
      detail: { had_second_factor: true, via: "cli" },
    });
    expect(text(auditSentence(reset))).toBe("The operator's command line reset the two-factor login of Carol");
    expect(text(<AuditDetail entry={reset} />)).not.toContain("cli");
  });

  test("details read as labelled values, changes as before → after, never JSON", () => {
    const detail = text(
      <AuditDetail
        entry={entry("api_key.update", {
          detail: { changed: ["scopes"], scopes: { before: [], after: ["chat"] } },
        })}
      />,
    );
    expect(detail).toContain("Scopes");
    expect(detail).toMatch(/full access →.*chat/);
    expect(detail).not.toContain("{");
  });
});
