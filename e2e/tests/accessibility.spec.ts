// Accessibility and the portal's frame: axe-core finds no WCAG 2 A/AA violations on any page
// (support/portalTour.ts), in the light and the dark theme, nor on the empty lists, whose one
// button does what it says; the theme choice applies before the first paint and is remembered;
// and a key can be created with the keyboard alone, with focus where it should be.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { portalLogin, uniqueName } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";
import { createTourAccount, seedTourAccount, type TourAccount, visitEveryPage } from "./support/portalTour.ts";

const THEMES = ["light", "dark"] as const;

async function expectNoViolations(page: Page, what: string) {
  // Options first: they replace what withTags set. Only violations are gathered (faster).
  const results = await new AxeBuilder({ page })
    .options({ resultTypes: ["violations"] })
    .withTags(["wcag2a", "wcag2aa"])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  expect(summary, what).toEqual([]);
}

/** The page as it is, checked in the light theme and then the dark one (the system's preference). */
async function expectNoViolationsInEitherTheme(page: Page, what: string) {
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    await expectNoViolations(page, `${what} (${theme})`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test.describe
  .serial("every page", () => {
    let account: TourAccount;

    test("a new account's lists are empty, each with one button that starts it", async ({ page, request }) => {
      account = await createTourAccount(request, "Empty Lists");
      await portalLogin(page, account.email, account.password);

      const keys = new KeysPage(page);
      await keys.goto();
      await expect(page.getByRole("heading", { name: "No API keys yet" })).toBeVisible();
      // One empty state for axe (they are all the same component), and the filtered audit log below.
      await expectNoViolationsInEitherTheme(page, "api keys, empty");
      await page.getByRole("button", { name: "Create your first API key" }).click();
      await expect(keys.createDialog()).toBeVisible();
      await page.keyboard.press("Escape");

      for (const [path, button, dialog] of [
        ["/agents", "Create your first agent", "New agent"],
        ["/connectors", "Add your first connector", "New connector"],
      ] as const) {
        await page.goto(path);
        await page.getByRole("button", { name: button }).click();
        await expect(page.getByRole("dialog", { name: dialog })).toBeVisible();
        await page.keyboard.press("Escape");
      }

      await page.goto("/knowledge-bases");
      await page.getByRole("button", { name: "Create your first knowledge base" }).click();
      await expect(page.getByRole("form", { name: "New knowledge base" }).getByLabel("Name")).toBeFocused();

      await page.goto("/chat");
      await expect(page.getByRole("heading", { name: "Start a conversation" })).toBeVisible();
      await page.getByRole("button", { name: "Try an example question" }).click();
      await expect(page.getByLabel("Your question")).toBeFocused();
      await expect(page.getByLabel("Your question")).toHaveValue("What is 12 * 7 + 3?");

      // Administrators' lists are never empty on their own: a search or a filter empties them.
      await page.goto("/admin/users");
      await page.getByRole("searchbox", { name: "Search" }).fill("nobody-has-this-name");
      await page.getByRole("button", { name: "Search", exact: true }).click();
      await expect(page.getByRole("heading", { name: "No users match" })).toBeVisible();
      await page.getByRole("button", { name: "Clear search" }).click();
      await expect(page.getByRole("table").getByText(account.email)).toBeVisible();
      await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("");

      await page.goto("/admin/audit");
      await page.getByRole("combobox", { name: "User", exact: true }).selectOption({ label: account.email });
      await page.getByRole("combobox", { name: "Action" }).selectOption("api_key.roll");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect(page.getByRole("heading", { name: "No entries match" })).toBeVisible();
      await expectNoViolationsInEitherTheme(page, "audit log, filtered to nothing");
      await page.getByRole("button", { name: "Clear filters" }).click();
      await expect(page.getByRole("combobox", { name: "Action" })).toHaveValue("");
      await expect(page.getByRole("heading", { name: "No entries match" })).toBeHidden();
      await expect(page.getByRole("table").getByText(account.email).first()).toBeVisible();
    });

    test("no axe violations on any page, in the light theme or the dark one", async ({ page, request }) => {
      test.setTimeout(90_000);
      await seedTourAccount(request, account);
      await visitEveryPage(page, account, (tourPage) => expectNoViolationsInEitherTheme(page, tourPage.name));

      // A run as it streams in: steps, plan and answer.
      await page.goto("/chat");
      await page.getByLabel("Your question").fill("What is 6 * 7?");
      await page.getByRole("button", { name: "Send" }).click();
      await expect(page.getByTestId("live-answer").last()).toHaveText("6 * 7 = 42");
      await expectNoViolationsInEitherTheme(page, "chat, a live run");
    });
  });

test("the theme choice: System, Light or Dark, applied before the first paint and remembered", async ({ page }) => {
  const html = page.locator("html");
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  // What <html data-theme> says once the document is parsed, before the portal's own script runs.
  await page.addInitScript(() => {
    document.addEventListener("readystatechange", () => {
      if (document.readyState === "interactive") {
        (window as { themeAtParse?: string }).themeAtParse = document.documentElement.dataset.theme ?? "none";
      }
    });
  });
  const themeAtParse = () => page.evaluate(() => (window as { themeAtParse?: string }).themeAtParse);

  await page.emulateMedia({ colorScheme: "light" });
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/settings/password");
  const theme = page.getByRole("combobox", { name: "Theme" });
  await expect(theme).toHaveValue("system");
  const light = await background();

  await theme.selectOption("dark");
  await expect(html).toHaveAttribute("data-theme", "dark");
  const dark = await background();
  expect(dark).not.toBe(light);

  await page.reload();
  await expect(page.getByRole("heading", { name: "Password", level: 1 })).toBeVisible();
  expect(await themeAtParse()).toBe("dark");
  expect(await background()).toBe(dark);
  await expect(theme).toHaveValue("dark");

  // Light stays light on a dark system; System follows it again.
  await page.emulateMedia({ colorScheme: "dark" });
  await theme.selectOption("light");
  expect(await background()).toBe(light);
  await theme.selectOption("system");
  await expect(html).not.toHaveAttribute("data-theme");
  expect(await background()).toBe(dark);
  await page.reload();
  expect(await themeAtParse()).toBe("none");
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
