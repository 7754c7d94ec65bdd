// Forgotten passwords and sudo mode in a real browser: "Forgot password?" → the link from the
// mail (a real SMTP server in this process receives it) → a new password → log in; then the
// inline re-authentication dialog, which lets a full-access key creation go on once the password
// is confirmed, and which asks an account with two-factor login for a code as well. Runs against
// the server whose sudo mode lasts SHORT_SUDO seconds (project "reset").
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { SMTPServer } from "smtp-server";
import { E2E_ADMIN, E2E_SMTP_PORT, SHORT_SUDO } from "../playwright.config.ts";
import { CSRF, portalLogin, restLogin, uniqueName } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";
import { currentStep, totpCode } from "./support/totp.ts";

test.describe.configure({ mode: "serial" });

/** Mails received, by recipient: the text with quoted-printable soft breaks and escapes undone. */
const mails = new Map<string, string>();
const smtp = new SMTPServer({
  secure: false,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData(stream, session, callback) {
    let raw = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      raw += chunk;
    });
    stream.on("end", () => {
      const text = raw
        .replace(/=\r\n/g, "")
        .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      for (const rcpt of session.envelope.rcptTo) mails.set(rcpt.address, text);
      callback();
    });
  },
});

const email = `${uniqueName("forgetful").replace(/\W+/g, ".")}@e2e.test`.toLowerCase();
let password = "first-password-123";

test.beforeAll(async ({ request }) => {
  await new Promise<void>((resolve) => smtp.listen(E2E_SMTP_PORT, "127.0.0.1", resolve));
  expect((smtp.server.address() as AddressInfo).port).toBe(E2E_SMTP_PORT);
  const token = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const created = await request.post("/api/admin/users", {
    data: { email, password, name: "Forgetful" },
    headers: { authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

test("forgot password: the mailed link sets a new password, then the person logs in with it", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Forgot your password?" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send me a reset link" }).click();
  await expect(
    page.getByText("If the address has an account, a link to reset its password is on its way."),
  ).toBeVisible();

  await expect.poll(() => mails.has(email), { timeout: 10_000 }).toBe(true);
  const link = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+/.exec(mails.get(email) ?? "")?.[0];
  expect(link).toBeDefined();
  await page.goto(link ?? "");
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();

  // The same rule as everywhere else: at least 12 characters.
  await page.getByLabel("New password", { exact: true }).fill("too-short");
  await page.getByLabel("Confirm new password").fill("too-short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("The new password must be at least 12 characters.")).toBeVisible();

  password = "second-password-456";
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password").fill(password);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/login\?reset=1/);
  await expect(page.getByText("Your password has been changed. Log in with the new one.")).toBeVisible();

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys/);

  // The link worked once.
  await page.goto(link ?? "");
  await page.getByLabel("New password", { exact: true }).fill("third-password-789");
  await page.getByLabel("Confirm new password").fill("third-password-789");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText(/this reset link is invalid, was already used or has expired/)).toBeVisible();
});

test("the inline re-authentication dialog lets a full-access key creation go on", async ({ page }) => {
  await portalLogin(page, email, password);
  const loggedInAt = Date.now();
  const keys = new KeysPage(page);
  await keys.goto();
  // The login's own confirmation lapses after SHORT_SUDO seconds on this server.
  await page.waitForTimeout(Math.max(0, loggedInAt + SHORT_SUDO * 1000 + 300 - Date.now()));

  const name = uniqueName("full access");
  await keys.fillCreateForm({ name });
  const confirm = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(confirm).toBeVisible();
  await confirm.getByLabel("Password").fill("not-my-password-0");
  await confirm.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(confirm.getByText("That is not your password. Try again.")).toBeVisible();
  await confirm.getByLabel("Password").fill(password);
  await confirm.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(confirm).toBeHidden();

  // The creation went on by itself: the key is shown once, and listed with full access.
  const key = await keys.copySecretAndClose();
  expect(key).toMatch(/^fim_[A-Za-z0-9]{44}$/);
  await expect(keys.row(name)).toBeVisible();
});

test("with two-factor login on, the dialog asks for a code as well, and getting new recovery codes goes on", async ({
  page,
  request,
}) => {
  // A second account, with an authenticator enrolled over REST.
  const holder = { email: `${uniqueName("two-factor").replace(/\W+/g, ".")}@e2e.test`.toLowerCase(), password };
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const created = await request.post("/api/admin/users", {
    data: holder,
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const token = await restLogin(request, holder.email, holder.password);
  const auth = { authorization: `Bearer ${token}` };
  const secret = (await (await request.post("/api/me/mfa/totp", { headers: auth })).json()).secret as string;
  const enrolStep = currentStep();
  const confirmed = await request.post("/api/me/mfa/totp/confirm", {
    data: { code: totpCode(secret, enrolStep) },
    headers: auth,
  });
  expect(confirmed.status(), await confirmed.text()).toBe(200);
  const recovery = (await confirmed.json()).recovery_codes as string[];

  // The portal's login, its second step with a recovery code (the app's next code is kept for the dialog).
  const first = await page.request.post("/trpc/auth.login", { data: holder, headers: CSRF });
  expect(await first.json()).toMatchObject({ result: { data: { mfa_required: true } } });
  const second = await page.request.post("/trpc/auth.loginMfa", { data: { code: recovery[0] }, headers: CSRF });
  expect(second.status(), await second.text()).toBe(200);
  const loggedInAt = Date.now();
  await page.goto("/settings/security");
  await expect(page.getByText("9 unused recovery codes left.", { exact: false })).toBeVisible();
  await page.waitForTimeout(Math.max(0, loggedInAt + SHORT_SUDO * 1000 + 300 - Date.now()));

  await page.getByRole("button", { name: "Get new recovery codes" }).click();
  await page
    .getByRole("dialog", { name: "Get new recovery codes?" })
    .getByRole("button", { name: "Get new codes" })
    .click();
  const confirm = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText("This action needs your password and a code from your authenticator app again.");
  await confirm.getByLabel("Password").fill(holder.password);
  await confirm.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(confirm.getByText("Enter the code from your authenticator app.")).toBeVisible();
  await confirm.getByLabel("Authentication code").fill("000000");
  await confirm.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(confirm.getByText("The password or the code is not right. Try again.")).toBeVisible();
  // The step after the enrolment's (a code is never taken twice), within the server's ±1 window.
  await confirm.getByLabel("Authentication code").fill(totpCode(secret, Math.max(currentStep(), enrolStep + 1)));
  await confirm.getByRole("button", { name: "Confirm and continue" }).click();
  await expect(confirm).toBeHidden();

  // The replacement went on by itself: ten new codes, shown once.
  await expect(page.getByText("New recovery codes: the earlier ones no longer work.")).toBeVisible();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  expect((await codes.allTextContents()).filter((value) => recovery.includes(value))).toEqual([]);
});
