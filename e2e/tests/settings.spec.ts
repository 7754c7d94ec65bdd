// Settings → Sessions and Settings → Password: see where you are logged in, revoke a session,
// change the password (every other session ends, this one stays).
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { CSRF, portalLogin } from "./support/api.ts";

test("sessions: device and address are listed; revoking one logs that device out", async ({
  page,
  browser,
  baseURL,
}) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const phone = await browser.newContext({
    baseURL,
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1",
  });
  const phonePage = await phone.newPage();
  await portalLogin(phonePage, E2E_ADMIN.email, E2E_ADMIN.password);

  await page.goto("/settings/sessions");
  const phoneRow = page.getByRole("row").filter({ hasText: "Safari on iOS" }).first();
  await expect(phoneRow).toBeVisible();
  await expect(phoneRow.locator('[data-label="Address"]')).toHaveText("127.0.0.1");
  await expect(page.getByRole("row").filter({ hasText: "This device" })).toHaveCount(1);

  await phoneRow.getByRole("button", { name: /Revoke session: Safari on iOS/ }).click();
  await page
    .getByRole("dialog", { name: "Revoke this session?" })
    .getByRole("button", { name: "Revoke session" })
    .click();
  await expect(page.getByRole("dialog", { name: "Revoke this session?" })).toBeHidden();

  const me = await phonePage.request.get("/trpc/me");
  expect(me.status()).toBe(401);
  await phone.close();
});

test("password: changing it ends the other sessions and keeps this one", async ({ page, browser, baseURL }) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await portalLogin(otherPage, E2E_ADMIN.email, E2E_ADMIN.password);

  await page.goto("/settings/password");
  await page.getByLabel("Current password").fill(E2E_ADMIN.password);
  await page.getByLabel("New password", { exact: true }).fill("short");
  await page.getByLabel("Confirm new password").fill("short");
  await page.getByRole("button", { name: "Change password" }).click();
  // Said at the field, which is marked and focused.
  const newPassword = page.getByLabel("New password", { exact: true });
  await expect(newPassword).toHaveAttribute("aria-invalid", "true");
  await expect(newPassword).toBeFocused();
  await expect(newPassword).toHaveAccessibleDescription(/The new password must be at least 12 characters\./);

  const changed = "e2e-changed-password";
  await page.getByLabel("New password", { exact: true }).fill(changed);
  await page.getByLabel("Confirm new password").fill(changed);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed." })).toContainText(
    /other sessions? (was|were) ended/,
  );
  expect((await otherPage.request.get("/trpc/me")).status()).toBe(401);
  expect((await page.request.get("/trpc/me")).status()).toBe(200);

  // Put it back for the other tests, through the same procedure.
  const back = await page.request.post("/trpc/password.change", {
    data: { current_password: changed, new_password: E2E_ADMIN.password },
    headers: CSRF,
  });
  expect(back.status()).toBe(200);
  await other.close();
});
