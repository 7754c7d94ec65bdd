// What the portal's content reads like: chat answers rendered from Markdown with raw HTML shown as
// text, passages cited by document title, a reopened conversation keeping its steps; the knowledge
// base header; a refused agent field shown at the field, in view; the connector URL error going
// as soon as the URL is right, and "Test connection" showing the status and the time.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, test } from "@playwright/test";
import { E2E_ADMIN, E2E_PORT } from "../playwright.config.ts";
import { portalLogin, restLogin, uniqueName } from "./support/api.ts";

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  expect(summary, what).toEqual([]);
}

async function rest(page: Page, token: string, path: string, data: unknown): Promise<any> {
  const response = await page.request.post(path, { data, headers: { authorization: `Bearer ${token}` } });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

test("chat: Markdown answers without raw HTML, citations by title, and a reopened conversation keeps its steps", async ({
  page,
}) => {
  const token = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const kb = await rest(page, token, "/api/knowledge-bases", { name: uniqueName("Runbooks") });
  const doc = await rest(page, token, `/api/knowledge-bases/${kb.id}/documents`, {
    title: "Zephyrquux release notes",
    content:
      'Zephyrquux deploys use a **blue-green** rollout. Run `zq deploy` first. See [the guide](https://example.com/guide) or [this](javascript:alert(1)). <script>window.__pwned = 1</script> <img src="x" onerror="window.__pwned = 2">',
  });
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/chat");
  await page.getByRole("radio", { name: "ReAct" }).check({ force: true });
  await page.getByLabel("Your question").fill("How do zephyrquux deploys roll out?");
  await page.getByRole("button", { name: "Send" }).click();

  const answer = page.getByTestId("live-answer").last();
  await expect(answer.locator("strong", { hasText: "blue-green" })).toBeVisible();
  await expect(answer.locator("code", { hasText: "zq deploy" })).toBeVisible();
  const guide = answer.getByRole("link", { name: "the guide" });
  await expect(guide).toHaveAttribute("href", "https://example.com/guide");
  await expect(guide).toHaveAttribute("rel", "noopener noreferrer");
  // A javascript: link keeps its words but loses its address.
  await expect(answer.getByText("this", { exact: true })).toBeVisible();
  await expect(answer.getByRole("link", { name: "this", exact: true })).toHaveCount(0);
  // Raw HTML arrives as text: seen, never run or loaded.
  await expect(answer).toContainText("<script>window.__pwned = 1</script>");
  await expect(answer).toContainText('<img src="x" onerror="window.__pwned = 2">');
  await expect(answer.locator("script, img")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  // Cited by the document's title, never its id.
  await expect(answer).toContainText("“Zephyrquux release notes”");
  await expect(page.getByTestId("citations").last()).toContainText("Zephyrquux release notes");
  await expect(page.locator(".messages")).not.toContainText(doc.id);
  await expect(page.getByText(/^Steps \(3\)/)).toBeVisible();
  await expect(page).toHaveURL(/\/chat\/[^/]+$/);

  // Reopened (a fresh load), the answer keeps its steps, its citations and its formatting.
  await page.reload();
  const stored = page.locator(".message-assistant").last();
  await expect(stored.locator("strong", { hasText: "blue-green" })).toBeVisible();
  await stored.getByText(/^Steps \(3\)/).click();
  await expect(stored.locator(".step-tool_call")).toContainText("kb_retrieve");
  await expect(stored.locator(".step-tool_result")).toContainText("Zephyrquux release notes");
  await expect(stored.getByTestId("citations")).toContainText("Zephyrquux release notes");
  await expect(stored.locator("script, img")).toHaveCount(0);
  await expectNoViolations(page, "a reopened conversation with its steps and sources");
});

test("the knowledge base header: its description, then a pluralised count on its own line", async ({ page }) => {
  const token = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  const kb = await rest(page, token, "/api/knowledge-bases", {
    name: uniqueName("Travel"),
    description: "Receipts and travel expenses",
  });
  for (const title of ["Hotel", "Train", "Taxi"]) {
    await rest(page, token, `/api/knowledge-bases/${kb.id}/documents`, { title, content: `${title} receipt.` });
  }
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto(`/knowledge-bases?kb=${kb.id}`);
  const header = page.getByRole("region", { name: kb.name });
  await expect(header.locator(".page-description")).toHaveText("Receipts and travel expenses");
  await expect(header.getByTestId("kb-counts")).toHaveText("3 documents · 3 passages");
});

test("a refused agent setting is shown at its field, in view; a fixed connector URL loses its error; Test connection reports", async ({
  page,
}) => {
  // Enough knowledge bases to pick from that, on a phone, the agent form is taller than the screen.
  const token = await restLogin(page.request, E2E_ADMIN.email, E2E_ADMIN.password);
  for (let i = 1; i <= 14; i++) await rest(page, token, "/api/knowledge-bases", { name: uniqueName(`Shelf ${i}`) });
  await page.setViewportSize({ width: 390, height: 844 });
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/agents");
  await page.getByRole("button", { name: "New agent" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name").fill(uniqueName("Hot agent"));
  const temperature = dialog.getByLabel("Temperature");
  await temperature.fill("7");
  // The form is scrolled to its end, as after picking its connectors: the field is out of sight.
  await expect(dialog.getByText(/^Loading/)).toHaveCount(0);
  await dialog.getByText("Connectors it may call").scrollIntoViewIfNeeded();
  await expect(temperature).not.toBeInViewport();
  await dialog.getByRole("button", { name: "Create agent" }).click();
  // The server refuses 7; the refusal is at the field, which is marked, shown and focused.
  await expect(temperature).toHaveAttribute("aria-invalid", "true");
  await expect(temperature).toHaveAccessibleDescription("Must be 2 or less.");
  await expect(temperature).toBeFocused();
  await expect(temperature).toBeInViewport();
  await expect(dialog.getByRole("alert")).toHaveCount(0);
  await expectNoViolations(page, "an agent field in error");
  await temperature.fill("0.5");
  await expect(temperature).not.toHaveAttribute("aria-invalid", "true");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  await expect(dialog).toBeHidden();

  await page.setViewportSize({ width: 1366, height: 850 });
  await page.goto("/connectors");
  await page.getByRole("button", { name: "New connector" }).first().click();
  const editor = page.getByRole("dialog", { name: "New connector" });
  const name = uniqueName("Health");
  await editor.getByLabel("Name", { exact: true }).fill(name);
  const url = editor.getByLabel("Base URL");
  await url.fill("htp:/127.0.0.1");
  await editor.getByRole("button", { name: "Create connector" }).click();
  await expect(url).toHaveAttribute("aria-invalid", "true");
  await expect(url).toHaveAccessibleDescription(/must start with https:\/\/ or http:\/\//);
  // Fixed, the error goes at once, before any new submit.
  await url.fill(`http://127.0.0.1:${E2E_PORT}/api/health`);
  await expect(url).not.toHaveAttribute("aria-invalid", "true");
  await expect(editor.getByText(/must start with/)).toHaveCount(0);
  await editor.getByRole("button", { name: "Create connector" }).click();
  await expect(editor).toBeHidden();

  await page.getByRole("button", { name: `Test connection to ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "HTTP" })).toHaveText(/^Connected: HTTP 200 in \d+ ms$/);
  await expectNoViolations(page, "a tested connector");
});
