// The scope matrix, walked over the very route list the server mounts: every route must declare
// the access the contract's scope table gives its path, and the server must enforce it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Access, SCOPES, type Scope } from "../src/auth/scopes.ts";
import type { AnyRoute } from "../src/http/route.ts";
import { routes } from "../src/http/routes/index.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

/** The contract's table, by path: first match wins. */
const EXPECTED: [RegExp, Access][] = [
  [/^\/api\/health$/, "public"],
  [/^\/api\/auth\/(login|login\/mfa|refresh|logout)$/, "public"],
  [/^\/api\/auth\/password\/(forgot|reset)$/, "public"],
  [/^\/api\/auth\/verify$/, "authenticated"],
  // Any credential reaches it; the service then refuses API keys (only a login session re-authenticates).
  [/^\/api\/auth\/reauthenticate$/, "authenticated"],
  [/^\/api\/me$/, "authenticated"],
  [/^\/api\/me\/mfa(\/|$)/, "session"],
  [/^\/api\/me\/sessions\/revoke-others$/, "session"],
  [/^\/api\/me\//, "key_management"],
  [/^\/api\/(react|dag)$/, { scope: "chat" }],
  [/^\/api\/chat\//, { scope: "chat" }],
  [/^\/api\/conversations(\/|$)/, { scope: "chat" }],
  [/^\/api\/agents(\/|$)/, { scope: "agents" }],
  [/^\/api\/knowledge-bases(\/|$)/, { scope: "kb" }],
  [/^\/api\/connectors(\/|$)/, { scope: "connectors" }],
  [/^\/api\/admin\//, { scope: "admin" }],
];

function expectedAccess(path: string): Access | undefined {
  return EXPECTED.find(([pattern]) => pattern.test(path))?.[1];
}

const label = (route: AnyRoute) => `${route.method.toUpperCase()} ${route.path}`;

describe("every declared route has the access the scope table gives it", () => {
  test.each(routes.map((route) => [label(route), route] as const))("%s", (_name, route) => {
    const expected = expectedAccess(route.path);
    expect(expected, `no row of the scope table covers ${route.path}`).toBeDefined();
    expect(route.access).toEqual(expected);
  });
});

describe("the server enforces it", () => {
  let server: TestServer;
  /** For each scope: a key holding only that scope, and one holding every other scope. */
  const only = {} as Record<Scope, string>;
  const allBut = {} as Record<Scope, string>;
  let fullKey: string;
  let userFullKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await server.login(ADMIN.email, ADMIN.password);
    for (const scope of SCOPES) {
      only[scope] = (await server.createKey(admin.access_token, { name: `only ${scope}`, scopes: [scope] })).key;
      allBut[scope] = (
        await server.createKey(admin.access_token, {
          name: `all but ${scope}`,
          scopes: SCOPES.filter((s) => s !== scope),
        })
      ).key;
    }
    fullKey = (await server.createKey(admin.access_token, { name: "full" })).key;
    const user = await server.createUser("plain-user@example.com");
    userFullKey = (await server.createKey(user.token, { name: "user full" })).key;
  });
  afterAll(() => server.close());

  const call = (route: AnyRoute, token?: string) =>
    server.api(route.method.toUpperCase(), route.path.replace(/:[A-Za-z]+/g, "no-such-id"), {
      token,
      body: route.method === "get" || route.method === "delete" ? undefined : {},
    });

  /** Allowed means the access rule let the call through: not 401/403, and no server error either. */
  const expectAllowed = (answer: { status: number; body: unknown }) => {
    expect([401, 403], JSON.stringify(answer.body)).not.toContain(answer.status);
    expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
  };

  const guarded = routes.filter((route) => route.access !== "public");
  test.each(guarded.map((route) => [label(route), route] as const))("%s", async (_name, route) => {
    const anonymous = await call(route);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("unauthorized");

    const access = route.access as Access;
    if (access === "authenticated") {
      for (const scope of SCOPES) expectAllowed(await call(route, only[scope]));
      return;
    }
    if (access === "key_management") {
      for (const scope of SCOPES) {
        const scoped = await call(route, only[scope]);
        expect(scoped.status).toBe(403);
        expect(scoped.body.error).toBe("forbidden");
      }
      expectAllowed(await call(route, fullKey));
      return;
    }
    if (access === "session") {
      for (const key of [...Object.values(only), fullKey]) {
        const refused = await call(route, key);
        expect(refused.status).toBe(403);
        expect(refused.body.error).toBe("forbidden");
      }
      return;
    }
    if (typeof access !== "object") throw new Error(`unexpected access ${String(access)}`);
    const denied = await call(route, allBut[access.scope]);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: "forbidden",
      message: "Your API key does not have permission to access this resource",
    });
    expect(denied.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expectAllowed(await call(route, only[access.scope]));
    expectAllowed(await call(route, fullKey));
    if (access.scope === "admin") {
      const notAdmin = await call(route, userFullKey);
      expect(notAdmin.status).toBe(403);
      expect(notAdmin.body.error).toBe("forbidden");
    } else {
      expectAllowed(await call(route, userFullKey));
    }
  });
});
