// Keys that limit their own damage: an IP allow-list per key (checked with the client address
// Express works out behind a trusted proxy), its refusals counted, edits that hold from the next
// request here (and on another instance: test/postgresql/keyPolicyInstances.test.ts); the reminder of keys
// about to expire; scopes narrowed with before/after in the audit log; where a key was last used
// from, written by the batched usage flush; and the administrators' maximum key lifetime.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

let server: TestServer;
let token: string;

beforeAll(async () => {
  // Requests come from loopback, which is trusted as a proxy: X-Forwarded-For names the client.
  server = await startTestServer({ TRUST_PROXY: "loopback" });
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(() => server.close());

const from = (address: string) => ({ "x-forwarded-for": address });
const useKey = (target: TestServer, key: string, address: string) =>
  target.api("GET", "/api/agents", { token: key, headers: from(address) });
const patchKey = (id: string, body: unknown) => server.api("PATCH", `/api/me/api-keys/${id}`, { token, body });
const inDays = (days: number) => new Date(server.clock.now().getTime() + days * 86_400_000).toISOString();

async function auditOf(action: string, keyId: string) {
  const answer = await server.api("GET", `/api/admin/audit-log?action=${action}&limit=100`, { token });
  expect(answer.status).toBe(200);
  return answer.body.items.filter((entry: any) => entry.target_id === keyId);
}

describe("IP allow-list", () => {
  test("exact addresses and CIDR ranges, IPv4 and IPv6, IPv4-mapped addresses read as IPv4", async () => {
    const created = await server.api("POST", "/api/me/api-keys", {
      token,
      body: { name: "office only", allowed_ips: ["203.0.113.7", "10.0.0.0/8", "2001:DB8::/32", "::ffff:198.51.100.9"] },
    });
    expect(created.status).toBe(201);
    // Stored and shown in one canonical form.
    expect(created.body.allowed_ips).toEqual(["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "198.51.100.9"]);
    const { key } = created.body;

    for (const allowed of ["203.0.113.7", "10.20.30.40", "2001:db8:1::5", "198.51.100.9", "::ffff:10.1.2.3"]) {
      expect((await useKey(server, key, allowed)).status, allowed).toBe(200);
    }
    for (const refused of ["203.0.113.8", "11.0.0.1", "2001:db9::1", "::1"]) {
      const answer = await useKey(server, key, refused);
      expect(answer.status, refused).toBe(403);
      expect(answer.body).toMatchObject({
        error: "forbidden",
        message: "Your API key does not have permission to access this resource",
      });
      expect(answer.body.reason).toContain(refused);
      expect(answer.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);
    }
  });

  test("a refused request is counted as refused, not as served", async () => {
    const { key, id } = await server.createKey(token, { name: "counted", allowed_ips: ["192.0.2.0/24"] });
    expect((await useKey(server, key, "192.0.2.10")).status).toBe(200);
    expect((await useKey(server, key, "198.51.100.1")).status).toBe(403);
    expect((await useKey(server, key, "198.51.100.2")).status).toBe(403);
    const usage = await server.api("GET", `/api/me/api-keys/${id}/usage?days=1`, { token });
    expect(usage.body).toMatchObject({ total: 1, refused: 2, rate_limited: 0 });
    const shown = await server.api("GET", `/api/me/api-keys/${id}`, { token });
    expect(shown.body.total_requests).toBe(1);
  });

  test("the streaming endpoints check the key given in the body the same way", async () => {
    const { key } = await server.createKey(token, { name: "stream", allowed_ips: ["192.0.2.1"] });
    const refused = await server.api("POST", "/api/react", {
      body: { token: key, q: "hello" },
      headers: from("192.0.2.2"),
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: "forbidden" });
    const allowed = await server.api("POST", "/api/react", {
      body: { token: key, q: "hello" },
      headers: from("192.0.2.1"),
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("content-type")).toContain("text/event-stream");
  });

  test("an edit holds from the very next request", async () => {
    const { key, id } = await server.createKey(token, { name: "moving office", allowed_ips: ["192.0.2.1"] });
    expect((await useKey(server, key, "198.51.100.7")).status).toBe(403);
    const answer = await patchKey(id, { allowed_ips: ["192.0.2.1", "198.51.100.0/24"] });
    expect(answer.status).toBe(200);
    expect(answer.body.allowed_ips).toEqual(["192.0.2.1", "198.51.100.0/24"]);
    expect((await useKey(server, key, "198.51.100.7")).status).toBe(200);
    expect((await patchKey(id, { allowed_ips: ["192.0.2.1"] })).status).toBe(200);
    expect((await useKey(server, key, "198.51.100.7")).status).toBe(403);
    // null (or an empty list) lifts the restriction.
    expect((await patchKey(id, { allowed_ips: null })).body.allowed_ips).toEqual([]);
    expect((await useKey(server, key, "198.51.100.7")).status).toBe(200);

    const [latest] = await auditOf("api_key.update", id);
    expect(latest.detail.allowed_ips).toEqual({ before: ["192.0.2.1"], after: [] });
  });

  test.each([
    [["10.0.0.5/8"], "allowed_ips[0]", /10\.0\.0\.0\/8/],
    [["192.0.2.1", "not-an-address"], "allowed_ips[1]", /not an IPv4 or IPv6/],
    [["010.0.0.1"], "allowed_ips[0]", /not an IPv4 or IPv6/],
    [["192.0.2.0/33"], "allowed_ips[0]", /prefix/],
    [["fe80::1%eth0"], "allowed_ips[0]", /zone/],
    [[""], "allowed_ips[0]", /address/],
    [Array.from({ length: 51 }, (_, i) => `192.0.2.${i}`), "allowed_ips", /50/],
  ])("%j is refused with a validation_error naming the entry", async (allowed_ips, field, message) => {
    const answer = await server.api("POST", "/api/me/api-keys", { token, body: { name: "bad list", allowed_ips } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("validation_error");
    const detail = answer.body.details.find((entry: any) => entry.field === field);
    expect(detail?.message).toMatch(message);
  });

  test("a bad entry in an update is refused and changes nothing", async () => {
    const { id } = await server.createKey(token, { name: "kept", allowed_ips: ["192.0.2.1"] });
    const answer = await patchKey(id, { allowed_ips: ["192.0.2.1", "192.0.2.300"] });
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].field).toBe("allowed_ips[1]");
    expect((await server.api("GET", `/api/me/api-keys/${id}`, { token })).body.allowed_ips).toEqual(["192.0.2.1"]);
  });
});

test("last used from: the address of the key's last use, written by the usage flush", async () => {
  const { key, id } = await server.createKey(token, { name: "where from" });
  expect((await useKey(server, key, "203.0.113.20")).status).toBe(200);
  expect((await useKey(server, key, "::ffff:203.0.113.21")).status).toBe(200);
  await server.ctx.usage.flush();
  const row = await server.ctx.db.apiKey.findUniqueOrThrow({ where: { id }, select: { lastUsedIp: true } });
  expect(row.lastUsedIp).toBe("203.0.113.21");
  const shown = await server.api("GET", `/api/me/api-keys/${id}`, { token });
  expect(shown.body).toMatchObject({ last_used_ip: "203.0.113.21", total_requests: 2 });
});

test("expiry reminders: keys that expire within 7 days are marked and listed", async () => {
  const soon = await server.createKey(token, { name: "soon", expires_at: inDays(3) });
  const later = await server.createKey(token, { name: "later", expires_at: inDays(30) });
  const disabled = await server.createKey(token, { name: "disabled soon", expires_at: inDays(2) });
  expect((await patchKey(disabled.id, { is_active: false })).status).toBe(200);

  const marked = async (token: string) => {
    const list = await server.api("GET", "/api/me/api-keys", { token });
    const byId = new Map(list.body.items.map((item: any) => [item.id, item.expires_soon]));
    return [byId.get(soon.id), byId.get(later.id), byId.get(disabled.id)];
  };
  const expiring = async (token: string) =>
    (await server.api("GET", "/api/me/api-keys/expiring", { token })).body.items.map((item: any) => item.id);

  expect(await marked(token)).toEqual([true, false, false]);
  expect(await expiring(token)).toEqual([soon.id]);
  server.clock.advance(24 * 86_400);
  try {
    // 6 days left for "later"; "soon" has expired (an expired key is no longer "soon").
    const then = (await server.login(ADMIN.email, ADMIN.password)).access_token;
    expect(await marked(then)).toEqual([false, true, false]);
    expect(await expiring(then)).toEqual([later.id]);
  } finally {
    server.clock.advance(-24 * 86_400);
  }
});

test("scopes: narrowing holds from the next request, with before and after in the audit log", async () => {
  const { key, id } = await server.createKey(token, { name: "narrowed", scopes: "agents,kb" });
  expect((await server.api("GET", "/api/knowledge-bases", { token: key })).status).toBe(200);
  const answer = await patchKey(id, { scopes: ["agents"] });
  expect(answer.status).toBe(200);
  expect(answer.body.scopes).toEqual(["agents"]);
  expect((await server.api("GET", "/api/knowledge-bases", { token: key })).status).toBe(403);
  expect((await server.api("GET", "/api/agents", { token: key })).status).toBe(200);
  const [entry] = await auditOf("api_key.update", id);
  expect(entry.detail.scopes).toEqual({ before: ["agents", "kb"], after: ["agents"] });
});

test("the portal's door: the policy and the reminder over tRPC, the same answers as REST", async () => {
  const browser = new PortalBrowser(server.url);
  await browser.login(ADMIN.email, ADMIN.password);
  const set = await browser.mutate("admin.updateKeySettings", { max_key_lifetime_days: 45 });
  try {
    expect(set.status).toBe(200);
    expect((await browser.query("keys.policy")).data).toMatchObject({ max_lifetime_days: 45 });
    const refused = await browser.mutate("keys.create", { name: "no expiry", expires_at: null });
    expect(refused.status).toBe(400);
    const { id } = await server.createKey(token, { name: "portal reminder", expires_at: inDays(1) });
    const expiring = await browser.query("keys.expiring");
    expect(expiring.data.items.map((item: any) => item.id)).toContain(id);
    const rest = await server.api("GET", "/api/me/api-keys/expiring", { token });
    expect(expiring.data).toEqual(rest.body);
  } finally {
    expect((await browser.mutate("admin.updateKeySettings", { max_key_lifetime_days: null })).status).toBe(200);
  }
});

describe("maximum key lifetime (administrators)", () => {
  const settings = (body: unknown) => server.api("PUT", "/api/admin/key-settings", { token, body });

  test("new keys with no expiry or a later one are refused; within it they are created", async () => {
    expect((await server.api("GET", "/api/admin/key-settings", { token })).body).toEqual({
      max_key_lifetime_days: null,
    });
    expect((await settings({ max_key_lifetime_days: 30 })).body).toEqual({ max_key_lifetime_days: 30 });
    try {
      for (const body of [{ name: "forever" }, { name: "too long", expires_at: inDays(31) }]) {
        const refused = await server.api("POST", "/api/me/api-keys", { token, body });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: "validation_error", details: [{ field: "expires_at" }] });
        expect(refused.body.details[0].message).toContain("30 days");
      }
      const created = await server.api("POST", "/api/me/api-keys", {
        token,
        body: { name: "within", expires_at: inDays(29) },
      });
      expect(created.status).toBe(201);
      // Nor can an update lift a key past it.
      expect((await patchKey(created.body.id, { expires_at: null })).status).toBe(400);
      expect((await server.api("GET", "/api/admin/key-settings", { token })).body.max_key_lifetime_days).toBe(30);
    } finally {
      expect((await settings({ max_key_lifetime_days: null })).status).toBe(200);
    }
    expect((await server.api("POST", "/api/me/api-keys", { token, body: { name: "forever again" } })).status).toBe(201);
    const audit = await server.api("GET", "/api/admin/audit-log?action=admin.key_settings", { token });
    // Newest first: this test's two changes.
    expect(audit.body.items.slice(0, 2).map((entry: any) => entry.detail.max_key_lifetime_days)).toEqual([
      { before: 30, after: null },
      { before: null, after: 30 },
    ]);
  });

  test.each([[0], [3651], [1.5], ["30"]])("max_key_lifetime_days %j is a validation_error", async (value) => {
    const answer = await settings({ max_key_lifetime_days: value });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "validation_error" });
  });

  test("only administrators' credentials reach it: a scoped key without admin is forbidden", async () => {
    const { key } = await server.createKey(token, { name: "agents only", scopes: "agents" });
    expect(
      (await server.api("PUT", "/api/admin/key-settings", { token: key, body: { max_key_lifetime_days: 1 } })).status,
    ).toBe(403);
  });
});
