// Keys that limit their own damage, in the portal: the create dialog's expiry presets (30 days
// by default) and its warnings, the reminder banner for a key about to expire, and editing a
// key's scopes (narrowing holds from the key's next request) and where it was last used from.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { callWithKey, portalLogin, restCreateKey, restLogin, uniqueName } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";

test("creating a key: 30 days is chosen by default; full access and no expiration are warned about", async ({
  page,
}) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const keys = new KeysPage(page);
  await keys.goto();
  const dialog = await keys.openCreateDialog();
  await expect(dialog.getByRole("radio", { name: "30 days" })).toBeChecked();
  const fullAccess = dialog.getByText("No scopes selected: this key will have full access");
  const noExpiry = dialog.getByText("No expiration:");
  await expect(fullAccess).toBeVisible();
  await expect(noExpiry).toBeHidden();

  await dialog.getByRole("radio", { name: "No expiration" }).check();
  await expect(noExpiry).toBeVisible();
  await dialog.getByRole("radio", { name: "90 days" }).check();
  await expect(noExpiry).toBeHidden();
  await dialog.getByRole("checkbox", { name: "(agents)" }).check();
  await expect(fullAccess).toBeHidden();

  const name = uniqueName("Ninety days");
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Allowed IP addresses (optional)").fill("127.0.0.1\n10.0.0.0/8");
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  await keys.copySecretAndClose();
  const expected = new Date(Date.now() + 90 * 86_400_000);
  const expires = await keys.cell(name, "Expires").locator("time").getAttribute("datetime");
  expect(Math.abs(new Date(expires ?? 0).getTime() - expected.getTime())).toBeLessThan(10 * 60_000);
  const details = await keys.manage(name);
  await expect(details.getByText("Allowed from: 127.0.0.1 10.0.0.0/8")).toBeVisible();
});

test("a key that expires within 7 days: a banner after login, and a mark in the list", async ({ page, request }) => {
  // Its own account, so the banner does not follow the administrator into other specs.
  const adminToken = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `${uniqueName("expiring").replace(/\W+/g, "-").toLowerCase()}@example.com`;
  const password = "expiring-password-1";
  const created = await request.post("/api/admin/users", {
    data: { email, password, name: "Expiring" },
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const token = await restLogin(request, email, password);
  const name = uniqueName("Nightly export");
  await restCreateKey(request, token, { name, expires_at: new Date(Date.now() + 3 * 86_400_000).toISOString() });

  await portalLogin(page, email, password);
  await page.goto("/agents");
  const banner = page.getByRole("region", { name: "API keys expiring soon" });
  await expect(banner).toContainText(`Your API key ${name}`);
  await banner.getByRole("link", { name: "Review keys" }).click();
  const keys = new KeysPage(page);
  await expect(keys.cell(name, "Expires")).toContainText("Expires soon");
  await banner.getByRole("button", { name: "Dismiss" }).click();
  await expect(banner).toBeHidden();
});

test("editing a key's scopes: narrowed at once; the details show where it was last used from", async ({
  page,
  request,
}) => {
  const token = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const name = uniqueName("Narrowed");
  const { key } = await restCreateKey(request, token, { name, scopes: "agents,kb" });
  expect((await callWithKey(request, key, "/api/knowledge-bases")).status).toBe(200);

  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const keys = new KeysPage(page);
  await keys.goto();
  const details = await keys.manage(name);
  await expect(details.getByText("Last used from: 127.0.0.1")).toBeVisible();
  await details.getByRole("checkbox", { name: "(kb)" }).uncheck();
  await details.getByRole("button", { name: "Save changes" }).click();
  await expect(details.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(keys.cell(name, "Scopes")).toHaveText("agents");
  expect((await callWithKey(request, key, "/api/knowledge-bases")).status).toBe(403);
  expect((await callWithKey(request, key, "/api/agents")).status).toBe(200);

  // Widening is flagged before it is saved.
  await details.getByRole("checkbox", { name: "(chat)" }).check();
  await expect(details.getByText("This change gives the key access it does not have now.")).toBeVisible();
});
