// Admin and account pages as people read them: the audit log in sentences with links, a "from"
// after "to" refused at its field, sessions that can be told apart and "Log out all other
// sessions", a confirmation before a role changes, and server refusals at their fields in plain words.
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN, E2E_RESET_PORT, SHORT_SUDO } from "../playwright.config.ts";
import { portalLogin, restCreateKey, restLogin } from "./support/api.ts";

const PASSWORD = "polish-password-1";

/** A new account made over the admin REST API; returns its id and email. */
async function createUser(page: Page, adminToken: string, label: string, name: string) {
  const email = `${label}-${Date.now().toString(36)}@e2e.test`;
  const response = await page.request.post("/api/admin/users", {
    data: { email, password: PASSWORD, name },
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(response.status(), await response.text()).toBe(201);
  return { id: (await response.json()).id as string, email };
}

test("audit log: sentences with links to the people and the key, readable details, a 'from' after 'to' refused at the field", async ({
  page,
}) => {
  const adminToken = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const carol = await createUser(page, adminToken, "carol", "Carol");
  const carolToken = await restLogin(page.request, carol.email, PASSWORD);
  const key = await restCreateKey(page.request, carolToken, { name: "Zapier" });
  const prefix = key.key.slice(0, 8);
  const disabled = await page.request.patch(`/api/admin/api-keys/${key.id}`, {
    data: { is_active: false },
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(disabled.status()).toBe(200);

  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/admin/audit");
  await page.getByLabel("Action").selectOption("admin.api_key_disable");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const row = page.locator('tbody tr[data-action="admin.api_key_disable"]').first();
  const sentence = row.locator('[data-label="What happened"]');
  await expect(sentence).toHaveText(`Administrator disabled Carol's key 'Zapier' (${prefix}…)`);
  // Details read as labelled values, not JSON.
  const details = row.locator('[data-label="Details"]');
  await expect(details.locator("dt").first()).toHaveText("Changed");
  await expect(details.locator("dd").first()).toHaveText("Active");
  // On a phone the entries stack and nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(sentence).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1366, height: 850 });
  await expect(details).not.toContainText("{");

  // The key links to Admin → All keys showing Carol's keys; Carol links to Admin → Users showing her.
  await sentence.getByRole("link", { name: `'Zapier' (${prefix}…)` }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/keys\\?user_id=${carol.id}$`));
  await expect(page.getByText(`Showing the keys of ${carol.email}`)).toBeVisible();
  await expect(page.locator('[data-label="Owner"]')).toHaveText([carol.email]);
  await page.goBack();
  await sentence.getByRole("link", { name: "Carol" }).click();
  await expect(page).toHaveURL(/\/admin\/users\?search=/);
  await expect(page.getByRole("searchbox")).toHaveValue(carol.email);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator("tbody tr").first()).toContainText(carol.email);

  // A "from" after "to" is refused at the From field, before anything is sent.
  await page.goto("/admin/audit");
  await expect(page.locator("tbody tr").first()).toBeVisible();
  const sent: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("admin.audit") && request.url().includes("since")) sent.push(request.url());
  });
  await page.getByLabel("From", { exact: true }).fill("2026-03-02T10:00");
  await page.getByLabel("To", { exact: true }).fill("2026-03-01T10:00");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const from = page.getByLabel("From", { exact: true });
  await expect(from).toHaveAttribute("aria-invalid", "true");
  await expect(from).toBeFocused();
  await expect(from).toHaveAccessibleDescription("“From” must be the same as or before “To”.");
  expect(sent).toEqual([]);
});

test("sessions: rows told apart, and 'Log out all other sessions' logs out the other browser", async ({
  page,
  browser,
  baseURL,
}) => {
  const adminToken = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const erin = await createUser(page, adminToken, "erin", "Erin");
  const other = await browser.newContext({
    baseURL,
    userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
  });
  const otherPage = await other.newPage();
  await portalLogin(otherPage, erin.email, PASSWORD);
  await portalLogin(page, erin.email, PASSWORD);

  await page.goto("/settings/sessions");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(2);
  const here = rows.filter({ hasText: "This device" });
  const there = rows.filter({ hasText: "Firefox on Windows" });
  await expect(here.locator('[data-label="Last active"]')).toHaveText("Now");
  await expect(there.locator('[data-label="Last active"]')).toHaveText(/ago|just now/);
  for (const row of [here, there]) {
    await expect(row.locator('[data-label="Address"]')).toHaveText(/\d+\.\d+\.\d+\.\d+|:/);
    await expect(row.locator('[data-label="First seen"] time')).toHaveAttribute("datetime", /^\d{4}-/);
  }
  expect(await here.textContent()).not.toBe(await there.textContent());
  // On a phone the rows stack and nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(here).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1366, height: 850 });

  await page.getByRole("button", { name: "Log out all other sessions" }).click();
  const confirm = page.getByRole("dialog", { name: "Log out all other sessions?" });
  await confirm.getByRole("button", { name: "Log out other sessions" }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "1 other session was logged out." })).toBeVisible();
  await expect(rows).toHaveCount(1);
  expect((await otherPage.request.get("/trpc/me")).status()).toBe(401);
  expect((await page.request.get("/trpc/me")).status()).toBe(200);
  await other.close();
});

test("a role changes only once confirmed; refusals show at their field in plain words", async ({ page }) => {
  const adminToken = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const frank = await createUser(page, adminToken, "frank", "Frank");
  const roleOnServer = async () =>
    (
      await (
        await page.request.get(`/api/admin/users/${frank.id}`, { headers: { authorization: `Bearer ${adminToken}` } })
      ).json()
    ).role;

  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto(`/admin/users?search=${encodeURIComponent(frank.email)}`);
  const role = page.getByLabel(`Role of ${frank.email}`);
  await role.selectOption("admin");
  const promote = page.getByRole("dialog", { name: `Make ${frank.email} an administrator?` });
  await expect(promote).toContainText("An administrator can");
  await promote.getByRole("button", { name: "Cancel" }).click();
  await expect(promote).toBeHidden();
  await expect(role).toHaveValue("user");
  expect(await roleOnServer()).toBe("user");

  await role.selectOption("admin");
  await promote.getByRole("button", { name: "Make administrator" }).click();
  await expect(promote).toBeHidden();
  await expect(role).toHaveValue("admin");
  expect(await roleOnServer()).toBe("admin");

  await role.selectOption("user");
  const demote = page.getByRole("dialog", { name: `Remove the administrator role of ${frank.email}?` });
  await demote.getByRole("button", { name: "Remove administrator role" }).click();
  await expect(demote).toBeHidden();
  await expect(role).toHaveValue("user");
  expect(await roleOnServer()).toBe("user");

  // The server's "email: a user with this email already exists" lands at the Email field.
  await page.getByRole("button", { name: "Create user" }).click();
  const create = page.getByRole("dialog", { name: "Create user" });
  await create.getByLabel("Email").fill(frank.email);
  await create.getByLabel("Initial password").fill("another-password-1");
  await create.getByRole("button", { name: "Create user" }).click();
  const email = create.getByLabel("Email");
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(email).toBeFocused();
  await expect(email).toHaveAccessibleDescription("Someone already has an account with this email address.");
  await expect(create.getByRole("alert")).toHaveCount(0);
  await create.getByRole("button", { name: "Cancel" }).click();

  // Settings → Password: a wrong current password is said at that field, not as "current_password: …".
  await page.goto("/settings/password");
  await page.getByLabel("Current password").fill("not-my-password");
  await page.getByLabel("New password", { exact: true }).fill("a-new-password-123");
  await page.getByLabel("Confirm new password").fill("a-new-password-123");
  await page.getByRole("button", { name: "Change password" }).click();
  const current = page.getByLabel("Current password");
  await expect(current).toHaveAttribute("aria-invalid", "true");
  await expect(current).toBeFocused();
  await expect(current).toHaveAccessibleDescription("Current password is not correct.");
  await expect(page.getByText("current_password")).toHaveCount(0);
});

test("a promotion after the password confirmation lapsed asks for the password, then goes on", async ({ browser }) => {
  // The server whose sudo mode lasts SHORT_SUDO seconds.
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${E2E_RESET_PORT}` });
  const page = await context.newPage();
  const adminToken = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const gina = await createUser(page, adminToken, "gina", "Gina");
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const loggedInAt = Date.now();
  await page.goto(`/admin/users?search=${encodeURIComponent(gina.email)}`);
  const role = page.getByLabel(`Role of ${gina.email}`);
  await expect(role).toHaveValue("user");
  await page.waitForTimeout(Math.max(0, loggedInAt + SHORT_SUDO * 1000 + 300 - Date.now()));

  await role.selectOption("admin");
  const promote = page.getByRole("dialog", { name: `Make ${gina.email} an administrator?` });
  await promote.getByRole("button", { name: "Make administrator" }).click();
  const reauth = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(reauth).toBeVisible();
  await reauth.getByLabel("Password").fill(E2E_ADMIN.password);
  await reauth.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(reauth).toBeHidden();
  await expect(promote).toBeHidden();
  await expect(role).toHaveValue("admin");
  await context.close();
});
