// Produces the README's screenshots from the real portal: the keys page, the Create API Key
// dialog and the chat page. Runs with the suite, so the pages they show are exercised every
// time; the pictures go to test-results/ unless UPDATE_SCREENSHOTS=1, which refreshes docs/*.png
// (so a test run does not leave the checkout modified).
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { callWithKey, portalLogin, restCreateKey, restLogin } from "./support/api.ts";
import { KeysPage } from "./support/keysPage.ts";

const docs = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, "../../docs")
  : path.resolve(import.meta.dirname, "../test-results/screenshots");

test.use({ viewport: { width: 1280, height: 860 } });

test("README screenshots: keys page, create dialog, chat page", async ({ page, request }) => {
  // A screenshot account of its own, so the other tests' keys do not crowd the picture.
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `alex-${Date.now()}@example.com`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: "screenshot-password-1", name: "Alex Doe" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const token = await restLogin(request, email, "screenshot-password-1");

  const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const nightly = await restCreateKey(request, token, { name: "Nightly KB sync", scopes: "kb" });
  const chatBot = await restCreateKey(request, token, { name: "Support chatbot", scopes: ["chat", "agents"] });
  const staging = await restCreateKey(request, token, { name: "Staging (temporary)", expires_at: inAMonth });
  const legacy = await restCreateKey(request, token, { name: "Legacy exporter" });
  for (let i = 0; i < 12; i++) await callWithKey(request, chatBot.key, "/api/conversations");
  for (let i = 0; i < 5; i++) await callWithKey(request, nightly.key, "/api/knowledge-bases");
  await callWithKey(request, staging.key, "/api/auth/verify");
  await request.patch(`/api/me/api-keys/${legacy.id}`, {
    data: { is_active: false },
    headers: { authorization: `Bearer ${token}` },
  });

  await portalLogin(page, email, "screenshot-password-1");
  const keys = new KeysPage(page);
  await keys.goto();
  await expect(keys.cell("Support chatbot", "Requests")).toHaveText("12");
  const details = await keys.manage("Support chatbot");
  await expect(details.getByRole("img", { name: /12 requests/ })).toBeVisible();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(docs, "api-keys.png"), fullPage: true });

  const dialog = await keys.openCreateDialog();
  await dialog.getByLabel("Name").fill("Production Integration");
  await dialog.getByRole("checkbox", { name: "(chat)" }).check();
  await dialog.getByRole("checkbox", { name: "(kb)" }).check();
  await dialog.getByRole("radio", { name: "Custom date" }).check();
  await dialog.getByLabel("Expiration date").fill(inAMonth);
  await dialog.getByLabel("Name").focus();
  await page.screenshot({ path: path.join(docs, "create-api-key.png") });
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // An agent that reads a small handbook, for the chat picture.
  const auth = { authorization: `Bearer ${token}` };
  const kb = await (await request.post("/api/knowledge-bases", { data: { name: "Handbook" }, headers: auth })).json();
  const doc = await request.post(`/api/knowledge-bases/${kb.id}/documents`, {
    data: {
      title: "Time off",
      content:
        "Employees get 25 days of paid vacation per year.\n\nUnused vacation days carry over until the end of March.",
    },
    headers: auth,
  });
  expect(doc.status(), await doc.text()).toBe(201);
  const agentResponse = await request.post("/api/agents", {
    data: { name: "HR assistant", tools: ["kb_retrieve", "calculator"], knowledge_base_ids: [kb.id] },
    headers: auth,
  });
  expect(agentResponse.status(), await agentResponse.text()).toBe(201);

  await page.goto("/chat");
  await page.getByLabel("Agent").selectOption({ label: "HR assistant" });
  await page.getByLabel("Your question").fill("How many vacation days do employees get?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("live-answer").last()).toContainText("25 days");
  // The answer streams in before the run ends, and the mode cannot change while it runs: wait for Send.
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
  await page.getByRole("radio", { name: "DAG" }).check({ force: true });
  await page.getByLabel("Your question").fill("And what is 25 * 3?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("live-answer").last()).toHaveText(/= 75$/);
  await page.locator(".steps summary").first().click();
  await page.mouse.move(0, 0);
  // The question box is sticky: a tall viewport instead of a full-page capture keeps it at the bottom.
  await page.setViewportSize({ width: 1280, height: 1180 });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.screenshot({ path: path.join(docs, "chat.png") });
});
