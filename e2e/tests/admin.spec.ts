// 7. Admin: hidden from non-admins and refused by the server; an admin disables a user in the
// portal, and that user's key stops working on its next request.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { CSRF, callWithKey, portalLogin, restCreateKey, restLogin } from "./support/api.ts";

test("7. a non-admin cannot see or reach admin pages; an admin disables a user whose key then stops working", async ({
  page,
  browser,
  baseURL,
}) => {
  const email = `dana-${Date.now()}@e2e.test`;
  const password = "dana-password-1";

  // The admin creates the account in the portal.
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/admin/users");
  await page.getByRole("button", { name: "Create user" }).click();
  const create = page.getByRole("dialog", { name: "Create user" });
  await create.getByLabel("Email").fill(email);
  await create.getByLabel("Name").fill("Dana");
  await create.getByLabel("Initial password").fill(password);
  await create.getByRole("button", { name: "Create user" }).click();
  await expect(create).toBeHidden();
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row.locator('[data-label="Status"]')).toHaveText("Active");

  // Dana: no Admin in the navigation, the page says no, and the server refuses.
  const dana = await browser.newContext({ baseURL });
  const danaPage = await dana.newPage();
  await portalLogin(danaPage, email, password);
  await danaPage.goto("/settings/api-keys");
  const nav = danaPage.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "API Keys" })).toBeVisible();
  await expect(nav.getByRole("heading", { name: "Admin" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  await danaPage.goto("/admin/users");
  await expect(danaPage.getByRole("heading", { name: "Not available" })).toBeVisible();
  await expect(danaPage.getByRole("alert")).toHaveText(/for administrators/);
  await expect(danaPage.getByRole("table")).toHaveCount(0);
  const refused = await danaPage.request.get(`/trpc/admin.users?input=${encodeURIComponent("{}")}`);
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.data.error.error).toBe("forbidden");
  const refusedMutation = await danaPage.request.post("/trpc/admin.updateUser", {
    data: { id: "anyone", disabled: true },
    headers: CSRF,
  });
  expect(refusedMutation.status()).toBe(403);

  // Dana has a key that works, over REST too (where admin routes refuse her as well).
  const danaToken = await restLogin(danaPage.request, email, password);
  const { key } = await restCreateKey(danaPage.request, danaToken, { name: "Dana's script" });
  expect((await callWithKey(danaPage.request, key, "/api/auth/verify")).status).toBe(200);
  expect((await callWithKey(danaPage.request, key, "/api/admin/users")).status).toBe(403);

  // The admin disables Dana.
  await page.reload();
  await row.getByRole("button", { name: `Disable ${email}` }).click();
  const confirm = page.getByRole("dialog", { name: `Disable ${email}?` });
  await confirm.getByRole("button", { name: "Disable user" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.locator('[data-label="Status"]')).toHaveText("Disabled");

  const stopped = await callWithKey(danaPage.request, key, "/api/auth/verify");
  expect(stopped.status).toBe(401);
  expect(stopped.body.error).toBe("unauthorized");
  // Her portal session is over as well: the next page she opens asks her to log in.
  await danaPage.goto("/settings/api-keys");
  await expect(danaPage).toHaveURL(/\/login/);

  // Enabled again, the key works again (the admin changed the account, not the key).
  await row.getByRole("button", { name: `Enable ${email}` }).click();
  await expect(row.locator('[data-label="Status"]')).toHaveText("Active");
  expect((await callWithKey(danaPage.request, key, "/api/auth/verify")).status).toBe(200);
  await dana.close();
});

test("admin: all keys with their owners, and the audit log filtered by action", async ({ page }) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/admin/keys");
  await expect(page.getByRole("heading", { name: "All keys", level: 1 })).toBeVisible();
  await expect(page.locator('[data-label="Owner"]').first()).toContainText("@");

  await page.goto("/admin/audit");
  await page.getByLabel("Action").selectOption("admin.user_disable");
  await page.getByRole("button", { name: "Apply filters" }).click();
  const rows = page.locator("tbody tr");
  await expect(rows.first()).toHaveAttribute("data-action", "admin.user_disable");
  for (const action of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action")))) {
    expect(action).toBe("admin.user_disable");
  }
  // A sentence naming the administrator (a link to them) and whom they disabled.
  const sentence = rows.first().locator('[data-label="What happened"]');
  await expect(sentence).toHaveText(/^Administrator disabled dana-\d+@e2e\.test$|^Administrator disabled Dana$/);
  await expect(sentence.getByRole("link", { name: "Administrator" })).toHaveAttribute(
    "href",
    `/admin/users?search=${encodeURIComponent(E2E_ADMIN.email)}`,
  );
});
