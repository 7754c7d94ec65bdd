// API keys over REST: creation, the once-only secret, storage, listing, updates, rolling,
// per-day usage, ownership and input validation.
import { describe, expect, test } from "vitest";
import { checkApiKeyFormat } from "../src/auth/apiKeyFormat.ts";
import { type TestServer, withAdminServer } from "./harness.ts";

let server: TestServer;
let token: string;

withAdminServer((started) => {
  ({ server, token } = started);
});

const create = (body: unknown) => server.api("POST", "/api/me/api-keys", { token, body });

describe("the secret", () => {
  test("is shown in the create response only; the list shows the 8-character prefix", async () => {
    const created = await create({ name: "Production Integration" });
    expect(created.status).toBe(201);
    const key: string = created.body.key;
    expect(key).toMatch(/^fim_[A-Za-z0-9]{44}$/);
    expect(checkApiKeyFormat(key)).toBeNull();
    expect(created.body).toMatchObject({
      name: "Production Integration",
      key_prefix: key.slice(0, 8),
      scopes: [],
      is_active: true,
      status: "active",
      expires_at: null,
      last_used_at: null,
      total_requests: 0,
    });

    const list = await server.api("GET", "/api/me/api-keys", { token });
    const listed = list.body.items.find((k: any) => k.id === created.body.id);
    expect(listed.key_prefix).toBe(key.slice(0, 8));
    expect(listed.key_prefix).toHaveLength(8);
    const one = await server.api("GET", `/api/me/api-keys/${created.body.id}`, { token });
    for (const answer of [list, one]) {
      expect(JSON.stringify(answer.body)).not.toContain(key);
      expect(JSON.stringify(answer.body)).not.toContain(key.slice(8));
    }
  });

  test("the database holds no plaintext key, only a keyed hash", async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) keys.push((await create({ name: `stored ${i}` })).body.key);
    // SQLite: the file's bytes; PostgreSQL: every row of every table, as text.
    const bytes = await server.databaseText();
    for (const key of keys) {
      expect(bytes).not.toContain(key);
      expect(bytes).not.toContain(key.slice(4)); // not even without its prefix
      expect(bytes).toContain(key.slice(0, 8)); // the prefix is stored, for display
    }
    const row = await server.ctx.db.apiKey.findFirst({ where: { prefix: keys[0]?.slice(0, 8) } });
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("creation input", () => {
  test("scopes as a string or an array, always returned as an array", async () => {
    expect((await create({ name: "a", scopes: "chat, kb" })).body.scopes).toEqual(["chat", "kb"]);
    expect((await create({ name: "b", scopes: ["agents", "chat"] })).body.scopes).toEqual(["chat", "agents"]);
    expect((await create({ name: "c", scopes: null })).body.scopes).toEqual([]);
  });

  test.each([[""], [" , "], [[]]])(
    "scopes %j is refused: full access is asked for by leaving scopes out",
    async (scopes) => {
      const answer = await create({ name: "blank scopes", scopes });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: "validation_error", details: [{ field: "scopes" }] });
    },
  );

  test.each([
    [{ name: "x", scopes: "chat,teleport" }, "scopes"],
    [{ name: "x", scopes: ["chat", 3] }, "scopes"],
    [{ name: "" }, "name"],
    [{ name: 42 }, "name"],
    [{}, "name"],
    [{ name: "x", expires_at: "yesterday" }, "expires_at"],
    [{ name: "x", expires_at: "2001-01-01" }, "expires_at"],
    [{ name: "x", expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
    [{ name: "x", owner_id: "someone-else" }, "owner_id"],
    [{ name: "x", user_id: "someone-else" }, "user_id"],
  ])("%j → 400 validation_error naming %s", async (body, field) => {
    const answer = await create(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("validation_error");
    expect(answer.body.message).toEqual(expect.any(String));
    expect(answer.body.details.map((d: any) => d.field)).toContain(field);
  });

  test("a bare date means the end of that day, UTC", async () => {
    const year = new Date().getUTCFullYear() + 1;
    const answer = await create({ name: "dated", expires_at: `${year}-06-30` });
    expect(answer.status).toBe(201);
    expect(answer.body.expires_at).toBe(`${year}-06-30T23:59:59.999Z`);
  });

  test("malformed JSON → 400 validation_error, not a 500 or an HTML page", async () => {
    const answer = await server.api("POST", "/api/me/api-keys", { token, body: '{"name": "broken",' });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toMatch(/application\/json/);
    expect(answer.body.error).toBe("validation_error");
  });

  test("a body over the limit → 413 validation_error", async () => {
    const answer = await server.api("POST", "/api/me/api-keys", {
      token,
      body: JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe("validation_error");
  });

  test("a JSON array or a scalar body → 400 validation_error", async () => {
    for (const body of ["[1,2]", '"name"', "null"]) {
      const answer = await server.api("POST", "/api/me/api-keys", { token, body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("validation_error");
    }
  });

  test("unknown routes under /api answer JSON not_found", async () => {
    const answer = await server.api("GET", "/api/nope", { token });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: "not_found", message: expect.any(String) });
  });
});

describe("management", () => {
  test("newest first, paged with a cursor", async () => {
    const user = await server.createUser("pager@example.com");
    for (let i = 0; i < 5; i++) await server.createKey(user.token, { name: `key ${i}` });
    const first = await server.api("GET", "/api/me/api-keys?limit=2", { token: user.token });
    expect(first.body.items.map((k: any) => k.name)).toEqual(["key 4", "key 3"]);
    const second = await server.api("GET", `/api/me/api-keys?limit=2&cursor=${first.body.next_cursor}`, {
      token: user.token,
    });
    expect(second.body.items.map((k: any) => k.name)).toEqual(["key 2", "key 1"]);
    const third = await server.api("GET", `/api/me/api-keys?limit=2&cursor=${second.body.next_cursor}`, {
      token: user.token,
    });
    expect(third.body.items.map((k: any) => k.name)).toEqual(["key 0"]);
    expect(third.body.next_cursor).toBeNull();
  });

  test("rename, rescope and change expiry", async () => {
    const { id, key } = await server.createKey(token, { name: "before" });
    const year = new Date().getUTCFullYear() + 2;
    const updated = await server.api("PATCH", `/api/me/api-keys/${id}`, {
      token,
      body: { name: "after", scopes: "kb", expires_at: `${year}-01-01T00:00:00.000Z` },
    });
    expect(updated.body).toMatchObject({ name: "after", scopes: ["kb"], expires_at: `${year}-01-01T00:00:00.000Z` });
    // The narrower scopes apply to the next request.
    expect((await server.api("GET", "/api/me/api-keys", { token: key })).status).toBe(403);
    const cleared = await server.api("PATCH", `/api/me/api-keys/${id}`, { token, body: { expires_at: null } });
    expect(cleared.body.expires_at).toBeNull();
  });

  test("another user's key is not_found for every operation", async () => {
    const { id } = await server.createKey(token, { name: "admin's" });
    const other = await server.createUser("snoop@example.com");
    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["PATCH", "", { is_active: false }],
      ["DELETE", "", undefined],
      ["POST", "/roll", {}],
      ["GET", "/usage", undefined],
    ] as const) {
      const answer = await server.api(method, `/api/me/api-keys/${id}${suffix}`, { token: other.token, body });
      expect(answer.status, `${method} ${suffix}`).toBe(404);
      expect(answer.body.error).toBe("not_found");
    }
    const still = await server.api("GET", `/api/me/api-keys/${id}`, { token });
    expect(still.body.is_active).toBe(true);
  });

  test("key creation and deletion are audited with the prefix, never the key", async () => {
    const { id, key } = await server.createKey(token, { name: "audited" });
    await server.api("DELETE", `/api/me/api-keys/${id}`, { token });
    const rows = await server.ctx.db.auditLog.findMany({ where: { targetId: id } });
    expect(rows.map((r) => r.action).sort()).toEqual(["api_key.create", "api_key.delete"]);
    expect(JSON.stringify(rows)).not.toContain(key);
  });
});

describe("rolling a key", () => {
  test("new secret, same record; the old secret works for the overlap, then stops", async () => {
    const { id, key: oldKey } = await server.createKey(token, { name: "rolled", scopes: "chat" });
    await server.api("GET", "/api/auth/verify", { token: oldKey });
    const rolled = await server.api("POST", `/api/me/api-keys/${id}/roll`, { token, body: { overlap: "1h" } });
    expect(rolled.status).toBe(200);
    const newKey: string = rolled.body.key;
    expect(newKey).not.toBe(oldKey);
    expect(rolled.body).toMatchObject({ id, name: "rolled", scopes: ["chat"], key_prefix: newKey.slice(0, 8) });

    expect((await server.api("GET", "/api/auth/verify", { token: newKey })).status).toBe(200);
    expect((await server.api("GET", "/api/auth/verify", { token: oldKey })).status).toBe(200);
    server.clock.advance(3_601);
    try {
      const late = await server.api("GET", "/api/auth/verify", { token: oldKey });
      expect(late.status).toBe(401);
      expect((await server.api("GET", "/api/auth/verify", { token: newKey })).status).toBe(200);
    } finally {
      server.clock.reset();
    }
    // Usage history stays with the record: every request, by either secret, counted once.
    await expect
      .poll(async () => (await server.api("GET", `/api/me/api-keys/${id}`, { token })).body.total_requests)
      .toBe(4);
  });

  test("overlap none: the old secret stops at once", async () => {
    const { id, key: oldKey } = await server.createKey(token, { name: "rolled now" });
    const rolled = await server.api("POST", `/api/me/api-keys/${id}/roll`, { token, body: {} });
    expect(rolled.status).toBe(200);
    const old = await server.api("GET", "/api/auth/verify", { token: oldKey });
    expect(old.status).toBe(401);
    expect(old.body.error).toBe("invalid_token");
  });

  test("an unknown overlap is a validation_error", async () => {
    const { id } = await server.createKey(token, { name: "odd overlap" });
    const answer = await server.api("POST", `/api/me/api-keys/${id}/roll`, { token, body: { overlap: "3w" } });
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].field).toBe("overlap");
  });
});

describe("usage per day", () => {
  test("counts land in today's bucket and the total", async () => {
    const { id, key } = await server.createKey(token, { name: "daily" });
    for (let i = 0; i < 3; i++) await server.api("GET", "/api/me", { token: key });
    // An error after authentication is still a request made with the key.
    await server.api("GET", "/api/me/api-keys/none-such", { token: key });
    await expect
      .poll(async () => (await server.api("GET", `/api/me/api-keys/${id}/usage?days=7`, { token })).body.total)
      .toBe(4);
    const usage = await server.api("GET", `/api/me/api-keys/${id}/usage?days=7`, { token });
    expect(usage.body.days).toHaveLength(7);
    const today = server.clock.now().toISOString().slice(0, 10); // the server's day, not the wall clock's
    expect(usage.body.days.at(-1)).toEqual({ day: today, count: 4, refused: 0, rate_limited: 0 });
  });
});
