// Accessibility: axe-core finds no WCAG 2 A/AA violations on the main pages, and a key can be
// created with the keyboard alone, with focus where it should be.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { portalLogin, uniqueName } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  expect(summary, what).toEqual([]);
}

test("no axe violations on login, keys (with the create dialog), sessions, password and chat", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await expectNoViolations(page, "login");

  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const keys = new KeysPage(page);
  await keys.goto();
  await expectNoViolations(page, "api keys");
  await keys.openCreateDialog();
  await expectNoViolations(page, "create dialog");
  await page.keyboard.press("Escape");

  for (const [path, heading] of [
    ["/settings/sessions", "Sessions"],
    ["/settings/password", "Password"],
    ["/admin/audit", "Audit log"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Loading" })).toHaveCount(0);
    await expectNoViolations(page, path);
  }

  await page.goto("/chat");
  await page.getByLabel("Your question").fill("What is 6 * 7?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("live-answer").last()).toHaveText("6 * 7 = 42");
  await expectNoViolations(page, "chat");
});

test("create a key with the keyboard alone; focus goes into the dialog and back", async ({ page }) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  const keys = new KeysPage(page);
  await keys.goto();
  const create = page.getByRole("button", { name: "Create API Key" }).first();
  for (let i = 0; i < 40 && !(await create.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(create).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = keys.createDialog();
  await expect(dialog.getByLabel("Name")).toBeFocused();
  const name = uniqueName("Keyboard key");
  await page.keyboard.type(name);
  await page.keyboard.press("Enter");
  const secret = keys.secretDialog();
  await expect(secret).toBeVisible();
  // Not copied: Escape asks first; Tab reaches "Yes, close".
  await page.keyboard.press("Escape");
  await expect(secret.getByRole("button", { name: "No, back to the key" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(secret.getByRole("button", { name: "Yes, close" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(secret).toBeHidden();
  await expect(keys.row(name)).toHaveCount(1);
  await expect(create).toBeFocused();
});
