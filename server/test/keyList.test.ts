// The key lists (the caller's and the administrators'): search by name or prefix, filters by
// status and scope, the three orders in both directions, keyset paging in each, and the total.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

let server: TestServer;
let token: string;
const prefixes: Record<string, string> = {};

const list = (query = "") => server.api("GET", `/api/me/api-keys${query}`, { token });
const names = (answer: { body: { items: { name: string }[] } }) => answer.body.items.map((key) => key.name);

beforeAll(async () => {
  server = await startTestServer();
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  const inDays = (days: number) => new Date(server.clock.now().getTime() + days * 86_400_000).toISOString();
  const made: Record<string, string> = {};
  for (const [name, body] of [
    ["Legacy", { scopes: ["chat"], expires_at: inDays(1 / 144) }], // ten minutes
    ["Disabled one", { scopes: ["agents"] }],
    ["Nightly backup", {}],
    ["Old export", { scopes: ["kb"], expires_at: inDays(3) }],
    ["Zapier prod", { scopes: ["chat"] }],
    ["zapier-staging", { scopes: ["kb"] }],
  ] as const) {
    const created = await server.createKey(token, { name, ...body });
    made[name] = created.key;
    prefixes[name] = created.key.slice(0, 8);
    server.clock.advance(1);
  }
  const disabled = (await list("?search=Disabled")).body.items[0];
  await server.api("PATCH", `/api/me/api-keys/${disabled.id}`, { token, body: { is_active: false } });
  // Zapier prod is used three times, then zapier-staging once: the most used, and the last used.
  for (const name of ["Zapier prod", "Zapier prod", "Zapier prod", "zapier-staging"]) {
    server.clock.advance(1);
    expect((await server.api("GET", "/api/auth/verify", { token: made[name] })).status).toBe(200);
  }
  await server.ctx.usage.flush();
  server.clock.advance(11 * 60); // Legacy has expired
});
afterAll(() => server.close());

describe("the caller's key list", () => {
  test("without parameters: every key, newest first, one page, and the total", async () => {
    const answer = await list();
    expect(answer.status).toBe(200);
    expect(names(answer)).toEqual([
      "zapier-staging",
      "Zapier prod",
      "Old export",
      "Nightly backup",
      "Disabled one",
      "Legacy",
    ]);
    expect(answer.body).toMatchObject({ next_cursor: null, total: 6 });
  });

  test("search matches part of the name whatever its case, or the start of the prefix (an ellipsis is ignored)", async () => {
    const byName = await list("?search=ZAPIER");
    expect(names(byName)).toEqual(["zapier-staging", "Zapier prod"]);
    expect(byName.body.total).toBe(2);
    expect(names(await list(`?search=${encodeURIComponent(`${prefixes.Legacy}…`)}`))).toEqual(["Legacy"]);
    expect((await list("?search=nothing-like-this")).body).toMatchObject({ items: [], total: 0 });
  });

  test.each([
    ["active", ["zapier-staging", "Zapier prod", "Old export", "Nightly backup"]],
    ["disabled", ["Disabled one"]],
    ["expired", ["Legacy"]],
    ["expiring_soon", ["Old export"]],
  ])("status=%s", async (status, expected) => {
    const answer = await list(`?status=${status}`);
    expect(names(answer)).toEqual(expected);
    expect(answer.body.total).toBe(expected.length);
  });

  test("scope: keys that may use it (full access included), or full-access keys only", async () => {
    expect(names(await list("?scope=chat"))).toEqual(["Zapier prod", "Nightly backup", "Legacy"]);
    expect(names(await list("?scope=full_access"))).toEqual(["Nightly backup"]);
    const combined = await list("?scope=kb&status=active&search=zap");
    expect(names(combined)).toEqual(["zapier-staging"]);
    expect(combined.body.total).toBe(1);
  });

  test("sorts by requests, last use (never used counts as oldest) and creation, both ways", async () => {
    expect(names(await list("?sort=requests")).slice(0, 2)).toEqual(["Zapier prod", "zapier-staging"]);
    expect(names(await list("?sort=requests&order=asc")).slice(-2)).toEqual(["zapier-staging", "Zapier prod"]);
    expect(names(await list("?sort=last_used")).slice(0, 2)).toEqual(["zapier-staging", "Zapier prod"]);
    const ascending = names(await list("?sort=last_used&order=asc"));
    expect(ascending.slice(-2)).toEqual(["Zapier prod", "zapier-staging"]);
    expect(names(await list("?sort=created&order=asc"))).toEqual([
      "Legacy",
      "Disabled one",
      "Nightly backup",
      "Old export",
      "Zapier prod",
      "zapier-staging",
    ]);
  });

  test.each(["created", "last_used", "requests"])(
    "paging by twos with sort=%s, both ways, yields the same list",
    async (sort) => {
      for (const order of ["asc", "desc"]) {
        const whole = names(await list(`?sort=${sort}&order=${order}`));
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const answer: Awaited<ReturnType<typeof list>> = await list(
            `?sort=${sort}&order=${order}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          );
          expect(answer.status).toBe(200);
          expect(answer.body.total).toBe(6);
          paged.push(...names(answer));
          cursor = answer.body.next_cursor;
        } while (cursor && paged.length < 10);
        expect(paged).toEqual(whole);
      }
    },
  );

  test.each([
    ["?sort=name", "sort"],
    ["?order=up", "order"],
    ["?status=sleeping", "status"],
    ["?scope=teleport", "scope"],
    [`?search=${"x".repeat(101)}`, "search"],
  ])("%s is refused with validation_error", async (query, field) => {
    const answer = await list(query);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: "validation_error", details: [{ field }] });
  });
});

describe("the portal's door (tRPC)", () => {
  test("keys.list and admin.keys take the same parameters and answer with the total", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const mine = await browser.query("keys.list", { search: "zapier", sort: "requests", order: "asc", limit: 1 });
    expect(mine.data.items.map((key: { name: string }) => key.name)).toEqual(["zapier-staging"]);
    expect(mine.data.total).toBe(2);
    expect(mine.data.next_cursor).not.toBeNull();
    const everyone = await browser.query("admin.keys", { status: "expiring_soon" });
    expect(everyone.data.items.map((key: { name: string }) => key.name)).toEqual(["Old export"]);
    expect(everyone.data.total).toBe(1);
    const refused = await browser.query("keys.list", { sort: "name" });
    expect(refused.error.data.error.error).toBe("validation_error");
  });
});

describe("the administrators' list of every key", () => {
  test("takes the same search, filters and order, searches owners' emails too, and counts", async () => {
    const other = await server.createUser("keyholder@example.com");
    await server.createKey(other.token, { name: "Someone else's" });
    // Someone else's key id as a cursor is no position in this caller's list: an empty page.
    const adminKeyId = (await list("?limit=1")).body.items[0].id;
    const foreignCursor = await server.api("GET", `/api/me/api-keys?cursor=${adminKeyId}`, { token: other.token });
    expect(foreignCursor.body).toMatchObject({ items: [], next_cursor: null, total: 1 });
    const all = await server.api("GET", "/api/admin/api-keys?limit=3", { token });
    expect(all.body).toMatchObject({ total: 7 });
    expect(all.body.items).toHaveLength(3);
    const byOwner = await server.api("GET", "/api/admin/api-keys?search=KEYHOLDER@", { token });
    expect(byOwner.body.items.map((key: { name: string }) => key.name)).toEqual(["Someone else's"]);
    const expired = await server.api(
      "GET",
      `/api/admin/api-keys?status=expired&user_id=${all.body.items[0].owner.id}`,
      {
        token,
      },
    );
    expect(expired.body).toMatchObject({ total: 0, items: [] });
    const mostUsed = await server.api("GET", "/api/admin/api-keys?sort=requests&limit=1", { token });
    expect(mostUsed.body.items[0]).toMatchObject({ name: "Zapier prod", owner: { email: ADMIN.email } });
    expect((await server.api("GET", "/api/admin/api-keys?sort=owner", { token })).status).toBe(400);
  });
});
