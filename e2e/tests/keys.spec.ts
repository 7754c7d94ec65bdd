// Settings → API Keys in a real browser, against the real server: create and copy a key, use it
// from outside, watch its usage, disable / enable / delete it, expiry, and rolling.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { callWithKey, portalLogin, restCreateKey, restLogin, uniqueName } from "./support/api.ts";
import { expectNowhereOnPage, KeysPage } from "./support/keysPage.ts";

test.describe.configure({ mode: "serial" });

let chatKey = "";
const chatKeyName = uniqueName("CI chat key");

test.beforeEach(async ({ page }) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
});

test("1. create a key with the chat scope, copy it, and after closing it is nowhere on the page", async ({ page }) => {
  const keys = new KeysPage(page);
  await keys.goto();
  chatKey = await keys.createKey({ name: chatKeyName, scopes: ["chat"] });
  expect(chatKey).toMatch(/^fim_[A-Za-z0-9]{44}$/);

  await expect(keys.cell(chatKeyName, "Key")).toHaveText(`${chatKey.slice(0, 8)}…`);
  await expect(keys.cell(chatKeyName, "Scopes")).toHaveText("chat");
  await expect(keys.cell(chatKeyName, "Status")).toHaveText("Active");
  await expect(keys.cell(chatKeyName, "Last used")).toHaveText("Never used");
  await expectNowhereOnPage(page, chatKey);
  // Not after opening its details either (snippets show the prefix only).
  await keys.manage(chatKeyName);
  await expectNowhereOnPage(page, chatKey);
});

test("2. the key works from outside; last used and total requests change; a kb route is forbidden", async ({
  page,
  request,
}) => {
  for (let i = 0; i < 3; i++) {
    const response = await callWithKey(request, chatKey, "/api/conversations");
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
  const keys = new KeysPage(page);
  await keys.goto();
  await expect
    .poll(
      async () => {
        await page.reload();
        return keys.cell(chatKeyName, "Requests").textContent();
      },
      { timeout: 10_000 },
    )
    .toBe("3");
  const lastUsed = keys.cell(chatKeyName, "Last used").locator("time");
  await expect(lastUsed).toHaveText(/just now|seconds? ago/);
  // The exact time is on hover.
  await expect(lastUsed).toHaveAttribute("title", /\d{1,2}:\d{2}:\d{2}/);

  const forbidden = await callWithKey(request, chatKey, "/api/knowledge-bases");
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error).toBe("forbidden");
});

test("3. disable → 401 unauthorized, enable → works, delete → 401 invalid_token", async ({ page, request }) => {
  const keys = new KeysPage(page);
  await keys.goto();

  await keys.enabledSwitch(chatKeyName).uncheck();
  await expect(keys.cell(chatKeyName, "Status")).toHaveText("Disabled");
  const disabled = await callWithKey(request, chatKey, "/api/conversations");
  expect(disabled.status).toBe(401);
  expect(disabled.body.error).toBe("unauthorized");

  await keys.enabledSwitch(chatKeyName).check();
  await expect(keys.cell(chatKeyName, "Status")).toHaveText("Active");
  expect((await callWithKey(request, chatKey, "/api/conversations")).status).toBe(200);

  const details = await keys.manage(chatKeyName);
  await details.getByRole("button", { name: "Delete key" }).click();
  const confirm = page.getByRole("dialog", { name: `Delete “${chatKeyName}”?` });
  await confirm.getByRole("button", { name: "Delete key" }).click();
  await expect(confirm).toBeHidden();
  await expect(keys.row(chatKeyName)).toHaveCount(0);
  const deleted = await callWithKey(request, chatKey, "/api/conversations");
  expect(deleted.status).toBe(401);
  expect(deleted.body.error).toBe("invalid_token");
});

test("4a. an expiration date in the past is refused by the form", async ({ page }) => {
  const keys = new KeysPage(page);
  await keys.goto();
  const name = uniqueName("Yesterday's key");
  await keys.fillCreateForm({ name, expiresOn: "2020-01-01" });
  const dialog = keys.createDialog();
  await expect(dialog.getByRole("alert")).toHaveText("The expiration date must be in the future.");
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(keys.row(name)).toHaveCount(0);
});

test("4b. a key that has expired is shown as expired and refused by the API", async ({ page, request }) => {
  const token = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const name = uniqueName("Short-lived key");
  // The server runs on real time, so the key gets an expiry a few seconds ahead and we wait for it.
  const expiresAt = new Date(Date.now() + 3_000).toISOString();
  const { key } = await restCreateKey(request, token, { name, expires_at: expiresAt });
  expect((await callWithKey(request, key, "/api/auth/verify")).status).toBe(200);

  await expect
    .poll(async () => (await callWithKey(request, key, "/api/auth/verify")).body.error, { timeout: 10_000 })
    .toBe("token_expired");
  const refused = await callWithKey(request, key, "/api/agents");
  expect(refused.status).toBe(401);

  const keys = new KeysPage(page);
  await keys.goto();
  await expect(keys.cell(name, "Status")).toHaveText("Expired");
});

test("roll a key in the browser: the new secret is shown once, the old one keeps working for the overlap", async ({
  page,
  request,
}) => {
  const keys = new KeysPage(page);
  await keys.goto();
  const name = uniqueName("Rolled key");
  const original = await keys.createKey({ name });
  const prefixBefore = (await keys.cell(name, "Key").textContent()) ?? "";

  // Roll with a one-hour overlap: both secrets work.
  let details = await keys.manage(name);
  await details.getByRole("button", { name: "Roll key" }).click();
  let dialog = page.getByRole("dialog", { name: `Roll key “${name}”` });
  await dialog.getByRole("radio", { name: /^1 hour/ }).check();
  await dialog.getByRole("button", { name: "Roll key" }).click();
  await expect(keys.secretDialog()).toContainText(
    /The old key keeps working for 59 more minutes \(until .+\), then stops\./,
  );
  const second = await keys.copySecretAndClose();
  expect(second).not.toBe(original);
  await expectNowhereOnPage(page, second);
  await expect(keys.cell(name, "Key")).not.toHaveText(prefixBefore);
  expect((await callWithKey(request, original, "/api/auth/verify")).status).toBe(200);
  expect((await callWithKey(request, second, "/api/auth/verify")).status).toBe(200);
  await expect(page.locator(".key-details")).toContainText(
    /The old key keeps working for 59 more minutes \(until .+\)\./,
  );

  // Roll again with no overlap: the secret in use stops at once, the new one works.
  details = page.locator(".key-details");
  await details.getByRole("button", { name: "Roll key" }).click();
  dialog = page.getByRole("dialog", { name: `Roll key “${name}”` });
  await dialog.getByRole("radio", { name: /^No overlap/ }).check();
  await dialog.getByRole("button", { name: "Roll key" }).click();
  await expect(keys.secretDialog()).toContainText("The previous secret has stopped working.");
  const third = await keys.copySecretAndClose();
  const stopped = await callWithKey(request, second, "/api/auth/verify");
  expect(stopped.status).toBe(401);
  expect(stopped.body.error).toBe("invalid_token");
  expect((await callWithKey(request, third, "/api/auth/verify")).status).toBe(200);
});

test("usage chart and snippets: a picture of the last 30 days, code with the key's own prefix", async ({
  page,
  request,
}) => {
  const keys = new KeysPage(page);
  await keys.goto();
  const name = uniqueName("Charted key");
  const key = await keys.createKey({ name, scopes: ["agents"] });
  for (let i = 0; i < 4; i++) await callWithKey(request, key, "/api/auth/verify");
  await page.reload();
  const details = await keys.manage(name);
  const chart = details.locator("figure.usage-chart");
  await expect(chart.locator("figcaption")).toHaveText(/^4 requests served in the last 30 days/);
  // One slot a day; only today has a bar, and all of it is served requests.
  await expect(chart.locator("svg g")).toHaveCount(30);
  await expect(chart.locator("rect.bar")).toHaveCount(1);
  const code = details.locator(".snippet-panel code");
  await expect(code).toContainText(`${key.slice(0, 8)}…`);
  await expect(code).toContainText("curl");
  await details.getByRole("tab", { name: "Python" }).click();
  await expect(code).toContainText("import requests");
  await details.getByRole("tab", { name: "Node.js" }).click();
  await expect(code).toContainText("await fetch(");
  await expectNowhereOnPage(page, key);
});

test("an empty list explains what keys are for", async ({ browser, baseURL }) => {
  // A fresh account has no keys: create one through REST as the admin would, then look.
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const email = `empty-${Date.now()}@e2e.test`;
  const admin = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const created = await page.request.post("/api/admin/users", {
    data: { email, password: "empty-password-1" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  await portalLogin(page, email, "empty-password-1");
  await page.goto("/settings/api-keys");
  await expect(page.getByRole("heading", { name: "No API keys yet" })).toBeVisible();
  await expect(page.getByText("An API key lets a program act on your behalf")).toBeVisible();
  await context.close();
});

test("newest first, ten to a page", async ({ browser, baseURL, request }) => {
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `pager-${Date.now()}@e2e.test`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: "pager-password-1" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const token = await restLogin(request, email, "pager-password-1");
  for (let i = 1; i <= 12; i++) await restCreateKey(request, token, { name: `Key ${String(i).padStart(2, "0")}` });

  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await portalLogin(page, email, "pager-password-1");
  const keys = new KeysPage(page);
  await keys.goto();
  const names = page.locator("tbody > tr[data-key-id] > th");
  await expect(names).toHaveCount(10);
  await expect(names.first()).toHaveText("Key 12");
  await expect(names.last()).toHaveText("Key 03");
  await page.getByRole("button", { name: "Next →" }).click();
  await expect(names).toHaveText(["Key 02", "Key 01"]);
  await expect(page.getByText("11–12 of 12")).toBeVisible();
  await page.getByRole("button", { name: "← Previous" }).click();
  await expect(names.first()).toHaveText("Key 12");
  await context.close();
});

test("a key's own rate limit: set when created, shown, enforced from outside, counted apart, changed", async ({
  page,
  request,
}) => {
  const keys = new KeysPage(page);
  await keys.goto();
  const name = uniqueName("Limited key");
  const dialog = await keys.openCreateDialog();
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("radio", { name: "A limit of its own" }).check();
  await dialog.getByLabel("Requests").fill("2");
  await dialog.getByLabel("Window").selectOption({ label: "per hour" });
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  const key = await keys.copySecretAndClose();

  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await callWithKey(request, key, "/api/auth/verify")).status);
  expect(statuses).toEqual([200, 200, 429]);

  await page.reload();
  const details = await keys.manage(name);
  await expect(details.getByText("Rate limit: 2 requests per hour")).toBeVisible();
  // The chart tells served from rate-limited requests.
  await expect(
    details.getByRole("img", { name: /2 requests served in the last 30 days \(1 rate-limited\)/ }),
  ).toBeVisible();

  // Raised in the edit form: the next call goes through.
  await details.getByLabel("Requests", { exact: true }).fill("100");
  await details.getByLabel("Window").selectOption({ label: "per minute" });
  await details.getByRole("button", { name: "Save changes" }).click();
  await expect(details.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await expect(details.getByText("Rate limit: 100 requests per minute")).toBeVisible();
  expect((await callWithKey(request, key, "/api/auth/verify")).status).toBe(200);
});
