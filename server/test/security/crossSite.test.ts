// Cross-site requests. The REST API takes bearer credentials only, so a browser's ambient
// cookies give a foreign page nothing, and it grants no CORS. The portal's tRPC door does use
// cookies, so it refuses anything a foreign site can make a browser send.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";

let server: TestServer;
let browser: PortalBrowser;

beforeAll(async () => {
  server = await startTestServer();
  browser = new PortalBrowser(server.url);
  await browser.login(ADMIN.email, ADMIN.password);
});
afterAll(() => server.close());

describe("the REST API", () => {
  test("the portal's cookies are not a credential there", async () => {
    const cookie = browser.cookieHeader(`${server.url}/trpc/keys.list`);
    expect(cookie).toContain("fim_access=");
    for (const route of ["/api/me", "/api/me/api-keys", "/api/auth/verify"]) {
      const answer = await server.api("GET", route, { headers: { cookie } });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("unauthorized");
    }
  });

  test("no CORS is granted, to a preflight or to a simple request", async () => {
    const preflight = await fetch(`${server.url}/api/me/api-keys`, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    const simple = await fetch(`${server.url}/api/health`, { headers: { origin: "https://evil.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the portal's tRPC door", () => {
  const keyNames = async () => (await browser.query("keys.list", {})).data.items.map((k: any) => k.name);

  test.each([
    ["a form post (text/plain, no header)", { "content-type": "text/plain" }, false],
    ["a urlencoded form", { "content-type": "application/x-www-form-urlencoded" }, false],
    ["another origin, header and all", { origin: "https://evil.example" }, true],
    ["a sibling port on the same host", { origin: "http://127.0.0.1:1" }, true],
    ["an opaque origin (sandboxed frame)", { origin: "null" }, true],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }, true],
    ["Sec-Fetch-Site same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }, true],
  ])("a mutation from %s is refused and does nothing", async (name, headers, csrf) => {
    const cookie = browser.cookieHeader(`${server.url}/trpc/keys.create`);
    const response = await fetch(`${server.url}/trpc/keys.create`, {
      method: "POST",
      headers: {
        cookie,
        ...(csrf ? { "x-fim-csrf": "1", "content-type": "application/json" } : {}),
        ...headers,
      },
      body: JSON.stringify({ name: `csrf ${name}` }),
    });
    expect([403, 415]).toContain(response.status);
    expect(await keyNames()).not.toContain(`csrf ${name}`);
  });

  test("a cross-site read of the session is refused (no data for a foreign page)", async () => {
    const foreign: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }];
    for (const headers of foreign) {
      const answer = await browser.query("keys.list", {}, { headers });
      expect(answer.status).toBe(403);
      expect(answer.error.data.error.error).toBe("forbidden");
    }
  });

  test("a chat run cannot be started cross-site (the subscription is a GET a page could point at)", async () => {
    const cookie = browser.cookieHeader(`${server.url}/trpc/chat.run`);
    const open = async (headers: Record<string, string>) => {
      const input = encodeURIComponent(JSON.stringify({ mode: "react", q: "2 + 2", run_key: randomUUID() }));
      const response = await fetch(`${server.url}/trpc/chat.run?input=${input}`, {
        headers: { cookie, accept: "text/event-stream", ...headers },
      });
      return response.text();
    };
    const refused = await open({ "sec-fetch-site": "cross-site" });
    expect(refused).toMatch(/forbidden/);
    expect(refused).not.toContain('"event":"start"');
    // The control: the same request from the portal's own page runs.
    expect(await open({ "sec-fetch-site": "same-origin" })).toContain('"event":"start"');
  });

  test("the cookies cannot be read by scripts nor sent cross-site", async () => {
    const fresh = new PortalBrowser(server.url);
    await fresh.login(ADMIN.email, ADMIN.password);
    const attributes = fresh.lastSetCookie.join("\n");
    for (const line of fresh.lastSetCookie) {
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/SameSite=Strict/i);
    }
    expect(attributes).toContain("fim_access=");
    expect(attributes).toContain("fim_refresh=");
  });
});
