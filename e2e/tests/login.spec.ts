// The login page: clear errors, the wait time when throttled, and the way back to the page the
// person asked for.
import { expect, type Page, type Request, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { restLogin } from "./support/api.ts";

/**
 * Counts the portal's calls (/trpc) in flight from now on. `settled()` waits until none has been
 * for half a second: what a page asked for on opening has answered. (Playwright's "networkidle"
 * cannot say so after a client-side navigation: the document reached that state long before.)
 */
function portalCalls(page: Page) {
  let inFlight = 0;
  let changedAt = Date.now();
  const portal = (request: Request) => new URL(request.url()).pathname.startsWith("/trpc/");
  const change = (by: number) => (request: Request) => {
    if (!portal(request)) return;
    inFlight += by;
    changedAt = Date.now();
  };
  page.on("request", change(1));
  page.on("requestfinished", change(-1));
  page.on("requestfailed", change(-1));
  return {
    settled: () => expect.poll(() => inFlight === 0 && Date.now() - changedAt >= 500, { timeout: 15_000 }).toBe(true),
  };
}

test("a page behind the login sends you to log in, then back to it", async ({ page }) => {
  await page.goto("/settings/sessions");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fsessions/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();

  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Invalid email or password.");

  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings\/sessions$/);
  await expect(page.getByRole("heading", { name: "Sessions", level: 1 })).toBeVisible();
  await expect(page.getByRole("rowheader").filter({ hasText: "This device" })).toHaveCount(1);
});

test("the session never reaches JavaScript: HttpOnly, SameSite=Strict cookies only", async ({ page, context }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
  const cookies = await context.cookies();
  const access = cookies.find((c) => c.name === "fim_access");
  const refresh = cookies.find((c) => c.name === "fim_refresh");
  expect(access).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/trpc" });
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/trpc/auth.refresh" });
  expect(await page.evaluate(() => document.cookie)).toBe("");
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).not.toMatch(/eyJ/);
});

test("too many failed logins: the page says how long to wait", async ({ page, request }) => {
  // A throwaway account, so the throttle does not lock out the admin used by other tests.
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `throttle-${Date.now()}@e2e.test`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: "throttle-password-1" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  const submit = page.getByRole("button", { name: "Log in", exact: true });
  const throttled = page.getByText(/^Too many failed attempts/);
  for (let attempt = 0; attempt < 10 && (await throttled.count()) === 0; attempt++) {
    await page.getByLabel("Password").fill(`wrong-${attempt}`);
    await submit.click();
    // While the request is out the button reads "Logging in…"; back to "Log in" means it answered.
    await expect(submit).toBeVisible();
    await expect(page.getByRole("alert").first()).toBeVisible();
  }
  await expect(page.getByRole("alert").first()).toHaveText(
    /Too many failed attempts\. Try again in \d+ (seconds?|minutes?)\./,
  );
  await expect(submit).toBeDisabled();
});

test("when the session ends, the portal sends you to log in and then back to the same page", async ({
  page,
  context,
}) => {
  // (On the main server: its long access tokens mean no scheduled refresh races the click below.)
  const calls = portalCalls(page);
  await page.goto("/settings/sessions");
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Sessions", level: 1 })).toBeVisible();
  // Every query of the page has answered: one still in flight when the cookies go would end the
  // session on this page, before the click below (what this test is about happens on the click).
  await calls.settled();

  // The session disappears under the page (as when it is revoked elsewhere or the cookies expire).
  await context.clearCookies();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API Keys" }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fapi-keys&ended=1/);
  await expect(page.getByText("Your session has ended.")).toBeVisible();
  await page.getByLabel("Email").fill(E2E_ADMIN.email);
  await page.getByLabel("Password").fill(E2E_ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
});
