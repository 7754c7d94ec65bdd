// Knowledge bases, agents and connectors in the portal: create, use, edit, delete.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { portalLogin, restLogin, uniqueName } from "./support/api.ts";

test.beforeEach(async ({ page }) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
});

test("a knowledge base: add documents, try a query, see scored results best first", async ({ page }) => {
  const name = uniqueName("Handbook");
  await page.goto("/knowledge-bases");
  const form = page.getByRole("form", { name: "New knowledge base" });
  await form.getByLabel("Name").fill(name);
  await form.getByRole("button", { name: "Create knowledge base" }).click();
  await expect(page.getByRole("heading", { name, level: 2 })).toBeVisible();

  const add = page.getByRole("form", { name: "Add a document" });
  await add.getByLabel("Title").fill("Holidays");
  await add.getByLabel("Content").fill("Employees get 25 days of paid vacation per year.\n\nUnused days carry over.");
  await add.getByRole("button", { name: "Add document" }).click();
  await expect(add.getByRole("status")).toContainText("Added “Holidays”");
  await add.getByLabel("Title").fill("Security");
  await add.getByLabel("Format").selectOption("markdown");
  await add.getByLabel("Content").fill("# Keys\n\nRotate API keys every quarter. Never commit API keys to git.");
  await add.getByRole("button", { name: "Add document" }).click();
  await expect(page.getByRole("region", { name: "Documents" }).getByText("Security")).toBeVisible();

  await page.getByLabel("Query", { exact: true }).fill("rotate api keys");
  await page.getByRole("button", { name: "Search" }).click();
  const results = page.getByRole("list", { name: "Results, best first" }).getByRole("listitem");
  await expect(results.first()).toContainText("Security");
  await expect(results.first()).toContainText(/score \d+\.\d\d/);
  await expect(results.first()).toContainText("Rotate API keys every quarter");

  await page.getByLabel("Query", { exact: true }).fill("zebra");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Nothing in this knowledge base matches “zebra”.")).toBeVisible();
});

test("an agent: create it with tools, chat with it, edit and delete it", async ({ page }) => {
  const name = uniqueName("Math helper");
  await page.goto("/agents");
  await page.getByRole("button", { name: "New agent" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New agent" });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Instructions").fill("Answer arithmetic questions exactly.");
  await dialog.getByLabel("Max iterations").fill("4");
  await dialog.getByRole("button", { name: "Create agent" }).click();
  await expect(dialog).toBeHidden();
  const card = page.getByRole("listitem").filter({ hasText: name });
  await expect(card).toContainText("Tools: calculator");

  await page.goto("/chat");
  await page.getByLabel("Agent").selectOption({ label: name });
  await page.getByLabel("Your question").fill("What is 2 * 21?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByTestId("live-answer").last()).toHaveText("2 * 21 = 42");

  await page.goto("/agents");
  await card.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit “${name}”` });
  await edit.getByLabel("Description").fill("Exact arithmetic");
  await edit.getByRole("button", { name: "Save agent" }).click();
  await expect(edit).toBeHidden();
  await expect(card).toContainText("Exact arithmetic");

  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await page
    .getByRole("dialog", { name: `Delete “${name}”?` })
    .getByRole("button", { name: "Delete agent" })
    .click();
  await expect(card).toHaveCount(0);
});

test("a connector: the secret is stored, never shown, and kept on edit", async ({ page }) => {
  const name = uniqueName("Tracker");
  await page.goto("/connectors");
  await page.getByRole("button", { name: "New connector" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New connector" });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("Base URL").fill("https://tracker.example.com/api");
  await dialog.getByLabel("Header value").fill("Bearer super-secret-value");
  await dialog.getByRole("button", { name: "Add action" }).click();
  await dialog.getByLabel("Action name", { exact: true }).fill("get_issue");
  await dialog.getByLabel("Path", { exact: true }).fill("/issues/{id}");
  await dialog.getByLabel("What it does").fill("Reads one issue");
  await dialog.getByRole("button", { name: "Create connector" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByRole("listitem").filter({ hasText: name });
  await expect(card).toContainText("1 action: get_issue");
  await expect(card).toContainText("secret Authorization header stored");
  expect(await page.content()).not.toContain("super-secret-value");

  await card.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit “${name}”` });
  await expect(edit.getByRole("radio", { name: "Keep the stored secret" })).toBeChecked();
  await edit.getByLabel("Description").fill("Issue tracker");
  await edit.getByRole("button", { name: "Save connector" }).click();
  await expect(edit).toBeHidden();
  await expect(card).toContainText("Issue tracker");
  await expect(card).toContainText("secret Authorization header stored");

  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await page
    .getByRole("dialog", { name: `Delete “${name}”?` })
    .getByRole("button", { name: "Delete connector" })
    .click();
  await expect(card).toHaveCount(0);
});

test("knowledge bases and their documents page through everything, twenty and fifty at a time", async ({
  browser,
  baseURL,
  request,
}) => {
  // An account of its own, so the other tests' knowledge bases do not change the count.
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `kb-pager-${Date.now()}@e2e.test`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: "kb-pager-password-1" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const auth = { authorization: `Bearer ${await restLogin(request, email, "kb-pager-password-1")}` };
  let oldest = "";
  for (let i = 1; i <= 22; i++) {
    const kb = await request.post("/api/knowledge-bases", {
      data: { name: `KB ${String(i).padStart(2, "0")}` },
      headers: auth,
    });
    expect(kb.status(), await kb.text()).toBe(201);
    if (i === 1) oldest = (await kb.json()).id;
  }
  for (let i = 1; i <= 52; i++) {
    const doc = await request.post(`/api/knowledge-bases/${oldest}/documents`, {
      data: { title: `Doc ${String(i).padStart(2, "0")}`, content: `Paragraph number ${i}.` },
      headers: auth,
    });
    expect(doc.status(), await doc.text()).toBe(201);
  }

  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await portalLogin(page, email, "kb-pager-password-1");
  await page.goto("/knowledge-bases");
  const bases = page.getByRole("list", { name: "Your knowledge bases" }).getByRole("listitem");
  await expect(bases).toHaveCount(20);
  await expect(bases.first()).toContainText("KB 22");
  const basePager = page.getByRole("navigation", { name: "Knowledge bases pages" });
  await basePager.getByRole("button", { name: "Next →" }).click();
  await expect(bases).toHaveCount(2);
  await expect(bases.last()).toContainText("KB 01");

  // The oldest, past the first page, opens with its documents, fifty to a page.
  await bases.last().getByRole("button", { name: "KB 01" }).click();
  await expect(page.getByRole("heading", { name: "KB 01", level: 2 })).toBeVisible();
  const documents = page.getByRole("region", { name: "Documents" }).getByRole("listitem");
  await expect(documents).toHaveCount(50);
  await expect(documents.first()).toContainText("Doc 52");
  await page.getByRole("navigation", { name: "Documents pages" }).getByRole("button", { name: "Next →" }).click();
  await expect(documents).toHaveCount(2);
  await expect(documents.last()).toContainText("Doc 01");
  await context.close();
});
