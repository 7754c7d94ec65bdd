// Identity comes only from the authenticated credential, never from what the request says about
// itself. Every mutating REST route in the registry refuses identity-looking fields in its body
// by name, and so do the portal's procedures, which take the same contract schemas.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { AnyRoute } from "../../src/http/route.ts";
import { routes } from "../../src/http/routes/index.ts";
import { ADMIN, startTestServer, type TestServer } from "../harness.ts";
import { PortalBrowser } from "../support/browser.ts";

const IDENTITY_FIELDS = ["user_id", "userId", "owner_id", "ownerId", "actor_id", "sub", "principal"];

let server: TestServer;
let admin: string;
let victim: { id: string; email: string; token: string };

beforeAll(async () => {
  server = await startTestServer();
  admin = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  victim = await server.createUser("identity-victim@example.com");
});
afterAll(() => server.close());

const mutating = routes.filter((route) => route.method !== "get" && route.body);

describe("REST: identity fields in a body are refused by name", () => {
  test.each(mutating.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route] as const))(
    "%s",
    async (_name, route: AnyRoute) => {
      const body = Object.fromEntries(IDENTITY_FIELDS.map((field) => [field, victim.id]));
      const path = route.path.replace(/:[A-Za-z]+/g, "some-id");
      const answer = await server.api(route.method.toUpperCase(), path, { token: admin, body });
      // The body is validated before any lookup, so even a made-up id gets this answer.
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("validation_error");
      const unknown = answer.body.details
        .filter((detail: any) => detail.message === "unknown field")
        .map((detail: any) => detail.field);
      expect(unknown).toEqual(expect.arrayContaining(IDENTITY_FIELDS));
    },
  );

  test("the walk covered every mutating route with a body", () => {
    expect(mutating.length).toBeGreaterThan(15);
  });
});

describe("the portal: identity fields are refused by name, as on REST", () => {
  test("a key asked for with someone else's id in the input is refused, and no key is made", async () => {
    const browser = new PortalBrowser(server.url);
    await browser.login(ADMIN.email, ADMIN.password);
    const before = await server.ctx.db.apiKey.count();
    const created = await browser.mutate("keys.create", {
      name: "whose key?",
      ...Object.fromEntries(IDENTITY_FIELDS.map((field) => [field, victim.id])),
    });
    expect(created.status).toBe(400);
    expect(created.error?.data?.error?.error).toBe("validation_error");
    const unknown = created.error?.data?.error?.details?.map((detail: { field: string }) => detail.field);
    expect(unknown).toEqual(expect.arrayContaining(IDENTITY_FIELDS));
    expect(await server.ctx.db.apiKey.count()).toBe(before);
  });

  test("a password change naming another user is refused, and neither password changes", async () => {
    const browser = new PortalBrowser(server.url);
    const mine = await server.createUser("identity-caller@example.com", "caller-password-1");
    await browser.login(mine.email, "caller-password-1");
    const changed = await browser.mutate("password.change", {
      current_password: "caller-password-1",
      new_password: "caller-password-2",
      userId: victim.id,
      user_id: victim.id,
    });
    expect(changed.status).toBe(400);
    for (const email of [victim.email, mine.email]) {
      const login = await server.api("POST", "/api/auth/login", { body: { email, password: "caller-password-2" } });
      expect(login.status).toBe(401);
    }
  });
});
