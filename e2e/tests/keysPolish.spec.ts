// The key pages at the level people compare them with: the key shown once cannot be lost by one
// keypress; long names and phones do not break the layout; a name's length is counted; an
// expired key's switch is off; the usage chart has axes and a tooltip; and the list scales
// (search, filters, order, "1–10 of 13").
import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { callWithKey, portalLogin, restCreateKey, restLogin, uniqueName } from "./support/api.ts";
import { expectNowhereOnPage, KeysPage } from "./support/keysPage.ts";

const LAPTOP = { width: 1366, height: 850 };
const PHONE = { width: 390, height: 844 };
const LONG_NAME = `production-integration-${"x".repeat(70)}`; // 93 characters, no space
const PASSWORD = "polish-password-1";

// One account for the file: its keys are made once, over REST, before the first test.
let email = "";
let usedKey = "";
const usedName = "Polish used key";

test.beforeAll(async ({ request }) => {
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  email = `${uniqueName("polish").replace(/\W+/g, "-").toLowerCase()}@e2e.test`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: PASSWORD, name: "Polish" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const token = await restLogin(request, email, PASSWORD);
  for (let i = 1; i <= 10; i++) {
    await restCreateKey(request, token, { name: `Filter ${String(i).padStart(2, "0")}`, scopes: "kb" });
  }
  await restCreateKey(request, token, { name: LONG_NAME });
  // Expires a moment from now: expired by the time a test looks at it.
  await restCreateKey(request, token, {
    name: "Polish expired",
    expires_at: new Date(Date.now() + 1500).toISOString(),
  });
  usedKey = (await restCreateKey(request, token, { name: usedName, scopes: "chat" })).key;
  for (let i = 0; i < 3; i++) expect((await callWithKey(request, usedKey, "/api/auth/verify")).status).toBe(200);
  await expect
    .poll(async () => {
      const listed = await request.get("/api/me/api-keys?status=expired", {
        headers: { authorization: `Bearer ${token}` },
      });
      return (await listed.json()).total;
    })
    .toBe(1);
});

async function openAs(browser: Browser, baseURL: string | undefined, who: { email: string; password: string }) {
  const context = await browser.newContext({ baseURL, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await portalLogin(page, who.email, who.password);
  return page;
}

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  expect(summary, what).toEqual([]);
}

async function expectNoSidewaysScroll(page: Page, what: string) {
  const sizes = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(sizes.scroll, `${what}: scrollWidth ${sizes.scroll} > clientWidth ${sizes.client}`).toBeLessThanOrEqual(
    sizes.client,
  );
}

test("the key shown once: focus on Copy, a question before closing it uncopied, a .env line and full snippets", async ({
  browser,
  baseURL,
}) => {
  const page = await openAs(browser, baseURL, { email, password: PASSWORD });
  const keys = new KeysPage(page);
  await keys.goto();

  // The name is counted, and a name over 100 characters is refused, not cut.
  const dialog = await keys.openCreateDialog();
  const name = dialog.getByLabel("Name");
  await name.fill("Thirty-seven characters make the name");
  await expect(dialog.getByText("37/100")).toBeVisible();
  await name.fill("n".repeat(120));
  await expect(dialog.getByText("120/100 — 20 too many")).toBeVisible();
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Name is too long: 120 characters, at most 100.");
  await expect(name).toHaveValue("n".repeat(120));
  const keyName = uniqueName("Shown once");
  await name.fill(keyName);
  await dialog.getByRole("button", { name: "Create", exact: true }).click();

  const secret = keys.secretDialog();
  await expect(secret).toBeVisible();
  const copy = secret.getByRole("button", { name: "Copy", exact: true });
  await expect(copy).toBeFocused();
  const key = await secret.locator("input.secret").first().inputValue();
  await expect(secret.getByLabel("As a line for your .env file")).toHaveValue(`FIM_API_KEY=${key}`);
  await expect(secret.locator(".snippet-panel pre")).toContainText(`export FIM_API_KEY="${key}"`);
  await secret.getByRole("tab", { name: "Python" }).click();
  await expect(secret.locator(".snippet-panel pre")).toContainText(`FIM_API_KEY=${key}`);

  // Escape, with the key not copied: a question, not a closed dialog; Enter goes back to the key.
  await page.keyboard.press("Escape");
  const question = secret.getByRole("group", { name: /Have you copied your key\?/ });
  await expect(question).toBeVisible();
  const back = question.getByRole("button", { name: "No, back to the key" });
  await expect(back).toBeFocused();
  await expectNoViolations(page, "the secret dialog asking before it closes");
  await page.keyboard.press("Enter");
  await expect(question).toBeHidden();
  await expect(copy).toBeFocused();
  await expect(secret.locator("input.secret").first()).toHaveValue(key);
  // × asks too; "Yes, close" closes, and the key leaves the page.
  await secret.getByRole("button", { name: "Close" }).click();
  await question.getByRole("button", { name: "Yes, close" }).click();
  await expect(secret).toBeHidden();
  await expectNowhereOnPage(page, key);
  // Afterwards the key's samples show the prefix only.
  const details = await keys.manage(keyName);
  await expect(details.locator(".snippet-panel pre")).toContainText(`${key.slice(0, 8)}…`);
  await expectNowhereOnPage(page, key);

  // Copied (here the .env line): Escape closes at once.
  await details.getByRole("button", { name: "Roll key" }).click();
  await page
    .getByRole("dialog", { name: `Roll key “${keyName}”` })
    .getByRole("button", { name: "Roll key" })
    .click();
  await expect(secret).toContainText(/The old key keeps working for 59 more minutes \(until .+\), then stops\./);
  const rolled = await secret.locator("input.secret").first().inputValue();
  await secret.getByRole("button", { name: "Copy .env line" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`FIM_API_KEY=${rolled}`);
  await page.keyboard.press("Escape");
  await expect(secret).toBeHidden();
  await expect(page.locator(".key-details")).toContainText(
    /The old key keeps working for 59 more minutes \(until .+\)\./,
  );
  await page.context().close();
});

test("the list scales: a total and paging text, search, status and scope filters, and orders; an expired key's switch is off", async ({
  browser,
  baseURL,
}) => {
  const page = await openAs(browser, baseURL, { email, password: PASSWORD });
  await page.setViewportSize(LAPTOP);
  const keys = new KeysPage(page);
  await keys.goto();
  const names = page.locator("tbody > tr[data-key-id] > th");
  const pager = page.getByRole("navigation", { name: "API keys pages" });
  // 13 made before, and one made by the test above when it ran first: count what the server says.
  await expect(pager).toContainText(/^1–10 of 1[34]/);
  const total = Number((await pager.locator(".pager-range").textContent())?.split(" of ")[1]);
  await pager.getByRole("button", { name: "Next →" }).click();
  await expect(pager.locator(".pager-range")).toHaveText(`11–${total} of ${total}`);

  await page.getByRole("searchbox", { name: "Search" }).fill("filter 0");
  await expect(pager.locator(".pager-range")).toHaveText("1–9 of 9");
  await expect(names.first()).toHaveText("Filter 09");
  await page.getByLabel("Sort").selectOption({ label: "Oldest first" });
  await expect(names.first()).toHaveText("Filter 01");
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  await page.getByLabel("Sort").selectOption({ label: "Most requests" });
  await expect(names.first()).toHaveText(usedName);
  await page.getByLabel("Scope").selectOption({ label: "chat" });
  // Keys that may use chat: the chat key and the full-access ones, not the kb ones.
  await expect(names.filter({ hasText: "Filter" })).toHaveCount(0);
  await expect(names.first()).toHaveText(usedName);
  await page.getByLabel("Scope").selectOption({ label: "Any scope" });
  await page.getByRole("searchbox", { name: "Search" }).fill("no key is called this");
  await expect(page.getByRole("heading", { name: "No keys match" })).toBeVisible();
  await page.getByRole("button", { name: "Clear search and filters" }).click();

  await page.getByLabel("Status").selectOption({ label: "Expired" });
  await expect(names).toHaveText(["Polish expired"]);
  await expect(pager.locator(".pager-range")).toHaveText("1–1 of 1");
  const expiredSwitch = keys.enabledSwitch("Polish expired");
  await expect(expiredSwitch).not.toBeChecked();
  await expect(expiredSwitch).toBeDisabled();
  await expect(keys.row("Polish expired").locator(".switch-note")).toContainText("Expired");
  await expect(keys.cell("Polish expired", "Status")).toHaveText("Expired");
  await expectNoViolations(page, "the filtered key list with an expired key");
  const details = await keys.manage("Polish expired");
  await expect(details).toContainText("Give it a later expiry below to use it again.");
  await page.context().close();
});

test("long names and phones: no sideways scroll, full-size scope boxes, compact cards, a chart with axes and a tooltip", async ({
  browser,
  baseURL,
}) => {
  const page = await openAs(browser, baseURL, { email, password: PASSWORD });
  const keys = new KeysPage(page);
  for (const size of [LAPTOP, PHONE]) {
    await page.setViewportSize(size);
    await keys.goto();
    await page.getByRole("searchbox", { name: "Search" }).fill("production-integration");
    await expect(keys.row(LONG_NAME)).toHaveCount(1);
    await expectNoSidewaysScroll(page, `API Keys at ${size.width}`);
  }

  // The phone: each key is a compact card, half of the old 285 px or less.
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  const card = await keys.row(usedName).boundingBox();
  expect(card?.height ?? 999).toBeLessThanOrEqual(142);

  // The details fit: the chart and the code stay inside the screen; code scrolls in its own box.
  const details = await keys.manage(usedName);
  await expectNoSidewaysScroll(page, "a key's details at 390");
  const code = details.locator(".snippet-panel pre");
  const codeBox = await code.boundingBox();
  expect((codeBox?.x ?? 0) + (codeBox?.width ?? 999)).toBeLessThanOrEqual(PHONE.width);
  expect(await code.evaluate((el) => getComputedStyle(el).overflowX)).toBe("auto");
  const plot = details.getByRole("slider", { name: /Requests per day/ });
  const plotBox = await plot.boundingBox();
  expect((plotBox?.x ?? 0) + (plotBox?.width ?? 999)).toBeLessThanOrEqual(PHONE.width);

  // The chart: y ticks, dates under it, the top label clear of the tallest bar, and a tooltip.
  const chart = details.locator(".usage-chart");
  await expect(chart.locator(".y-tick")).toHaveText(["5", "0"]);
  await expect(chart.locator(".x-tick")).toHaveCount(3);
  await expect(chart.locator(".x-tick time").last()).toHaveAttribute("datetime", /T12:00:00Z$/);
  const topLabel = await chart.locator(".y-tick").first().boundingBox();
  const tallest = await chart.locator("rect.bar").last().boundingBox();
  expect((topLabel?.x ?? 999) + (topLabel?.width ?? 0)).toBeLessThanOrEqual(tallest?.x ?? 0);
  const tooltip = chart.getByRole("tooltip");
  await expect(tooltip).toBeHidden();
  await plot.hover({ position: { x: (plotBox?.width ?? 10) - 3, y: 50 } });
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText("3 requests served");
  await expect(tooltip).toContainText("0 refused");
  await expect(tooltip).toContainText("0 rate-limited");
  await page.mouse.move(0, 0);
  await expect(tooltip).toBeHidden();
  await plot.focus();
  await expect(tooltip).toContainText("3 requests served");
  await page.keyboard.press("ArrowLeft");
  await expect(tooltip).toContainText("0 requests served");
  await expect(plot).toHaveAttribute("aria-valuetext", /0 requests served/);
  await expectNoViolations(page, "a key's details on a phone, the chart's tooltip shown");

  // Create key on a phone: the scope boxes are full size.
  await page.keyboard.press("Escape");
  const dialog = await keys.openCreateDialog();
  for (const box of await dialog.getByRole("checkbox").all()) {
    const size = await box.boundingBox();
    expect(size?.width ?? 0).toBeGreaterThanOrEqual(16);
    expect(size?.height ?? 0).toBeGreaterThanOrEqual(16);
  }
  await page.context().close();

  // Admin → All keys, with the same long name, at both sizes.
  const admin = await openAs(browser, baseURL, E2E_ADMIN);
  for (const size of [LAPTOP, PHONE]) {
    await admin.setViewportSize(size);
    await admin.goto("/admin/keys");
    await admin.getByRole("searchbox", { name: "Search" }).fill(email);
    await expect(admin.getByRole("rowheader", { name: LONG_NAME })).toBeVisible();
    await expectNoSidewaysScroll(admin, `Admin → All keys at ${size.width}`);
    await expectNoViolations(admin, `Admin → All keys at ${size.width}`);
  }
  await admin.context().close();
});
