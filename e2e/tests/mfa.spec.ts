// Two-factor login in the portal: enrol in Settings → Security (reading the secret's text, as one
// types it into an app), log out and back in with a code, with a recovery code (then that one is
// spent), a wrong code's message, new recovery codes, and turning it off. On a throwaway account,
// so the other specs' admin logs in with the password alone.
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { portalLogin, restLogin } from "./support/api.ts";
import { currentStep, totpCode } from "./support/totp.ts";

async function logOut(page: Page) {
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
}

async function passwordStep(page: Page, email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Two-factor login" })).toBeVisible();
}

async function codeStep(page: Page, code: string) {
  await page.getByLabel("Authentication code").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
}

test("two-factor login: enrol, log in with a code and with a recovery code, wrong code, new codes, turn it off", async ({
  page,
  request,
}) => {
  const email = `totp-${Date.now()}@e2e.test`;
  const password = "totp-password-1";
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const created = await request.post("/api/admin/users", {
    data: { email, password },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);

  await portalLogin(page, email, password);
  await page.goto("/settings/security");
  await page.getByRole("button", { name: "Set up two-factor login" }).click();
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = await page.getByLabel("Secret").inputValue();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  let lastStep = currentStep();
  await page.getByLabel("Code from the app").fill(totpCode(secret, lastStep));
  await page.getByRole("button", { name: "Turn on two-factor login" }).click();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  const recovery = await codes.allTextContents();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(
    page.getByText("Two-factor login is on: after your password, each login asks for a code from your app."),
  ).toBeVisible();
  // The count of recovery codes is said once, on their card.
  await expect(page.getByText(/10 (unused )?recovery codes left/)).toHaveCount(1);

  // A code: never the one the enrolment used (no replay), so the next step's when still in it.
  await logOut(page);
  await passwordStep(page, email, password);
  await codeStep(page, "000000");
  await expect(page.getByRole("alert")).toHaveText(/That code is not valid/);
  lastStep = Math.max(currentStep(), lastStep + 1);
  await codeStep(page, totpCode(secret, lastStep));
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();

  // A recovery code works once.
  await logOut(page);
  await passwordStep(page, email, password);
  await codeStep(page, recovery[0] as string);
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
  await logOut(page);
  await passwordStep(page, email, password);
  await codeStep(page, recovery[0] as string);
  await expect(page.getByRole("alert")).toHaveText(/That code is not valid/);
  await codeStep(page, recovery[1] as string);
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();

  // New recovery codes in place of the eight left: asked first, shown once, the count back to ten.
  await page.goto("/settings/security");
  await expect(page.getByText("8 unused recovery codes left.", { exact: false })).toBeVisible();
  await page.getByRole("button", { name: "Get new recovery codes" }).click();
  const asking = page.getByRole("dialog", { name: "Get new recovery codes?" });
  await expect(asking).toContainText("The codes you have now stop working at once.");
  await asking.getByRole("button", { name: "Get new codes" }).click();
  await expect(page.getByText("New recovery codes: the earlier ones no longer work.")).toBeVisible();
  await expect(codes).toHaveCount(10);
  const replaced = await codes.allTextContents();
  expect(replaced.filter((value) => recovery.includes(value))).toEqual([]);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByText("10 unused recovery codes left.", { exact: false })).toBeVisible();

  // Turn it off with the password; the next login needs the password only.
  await page.getByLabel("Or your password").fill(password);
  await page.getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText("Two-factor login is off.", { exact: true })).toBeVisible();
  await logOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
});
