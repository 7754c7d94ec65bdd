// 5. Session expiry, against a server whose access tokens live SHORT_TTL seconds: the portal
// keeps working through silent refreshes, across tabs; after logout the old cookies are useless.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN, SHORT_TTL } from "../playwright.config.ts";
import { CSRF, uniqueName } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";

async function loginThroughForm(page: import("@playwright/test").Page) {
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
}

test("5. the portal outlives several access tokens by refreshing silently; after logout old cookies are useless", async ({
  page,
  context,
  playwright,
  baseURL,
}) => {
  test.setTimeout(60_000);
  const refreshes: number[] = [];
  page.on("response", (response) => {
    if (response.url().endsWith("/trpc/auth.refresh")) refreshes.push(response.status());
  });

  await page.goto("/settings/api-keys");
  await expect(page).toHaveURL(/\/login/);
  await loginThroughForm(page);
  const keys = new KeysPage(page);
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
  const firstAccess = (await context.cookies()).find((c) => c.name === "fim_access")?.value;
  // (Before the login, the page's one attempt to refresh a session it did not have was refused.)
  refreshes.length = 0;

  // Stay on the page for more than two access-token lifetimes, without touching anything.
  await expect
    .poll(() => refreshes.filter((s) => s === 200).length, { timeout: SHORT_TTL * 3_000 })
    .toBeGreaterThanOrEqual(2);
  expect(refreshes.every((status) => status === 200)).toBe(true);
  expect((await context.cookies()).find((c) => c.name === "fim_access")?.value).not.toBe(firstAccess);

  // Still logged in: a mutation goes through, no detour to the login page.
  const name = uniqueName("After refresh");
  await keys.createKey({ name });
  await expect(keys.row(name)).toHaveCount(1);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);

  // Log out; the cookies from before must be worth nothing now.
  const saved = await context.cookies();
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1/);
  const outsider = await playwright.request.newContext({ baseURL });
  const cookieHeader = (path: string) =>
    saved
      .filter((c) => path.startsWith(c.path))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  const me = await outsider.get("/trpc/me", { headers: { cookie: cookieHeader("/trpc/me") } });
  expect(me.status()).toBe(401);
  expect((await me.json()).error.data.error.error).toBe("invalid_token");
  const refresh = await outsider.post("/trpc/auth.refresh", {
    headers: { ...CSRF, "content-type": "application/json", cookie: cookieHeader("/trpc/auth.refresh") },
  });
  expect(refresh.status()).toBe(401);
  await outsider.dispose();
});

test("two tabs share one session: they refresh in turn, never both (which would look like token theft)", async ({
  context,
}) => {
  test.setTimeout(60_000);
  const first = await context.newPage();
  await first.goto("/login");
  await loginThroughForm(first);
  await expect(first.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
  const second = await context.newPage();
  await second.goto("/settings/sessions");
  await expect(second.getByRole("heading", { name: "Sessions", level: 1 })).toBeVisible();

  const rotations: number[] = [];
  for (const page of [first, second]) {
    page.on("response", (response) => {
      if (response.url().endsWith("/trpc/auth.refresh")) rotations.push(response.status());
    });
  }
  // Several lifetimes with both tabs open: a refresh token used twice would revoke the session.
  await expect.poll(() => rotations.length, { timeout: SHORT_TTL * 4_000 }).toBeGreaterThanOrEqual(3);
  expect(rotations.every((status) => status === 200)).toBe(true);
  for (const page of [first, second]) {
    await page.reload();
    await expect(page).not.toHaveURL(/\/login/);
  }
  await expect(second.getByRole("heading", { name: "Sessions", level: 1 })).toBeVisible();
  expect((await second.request.get("/trpc/me")).status()).toBe(200);
});
