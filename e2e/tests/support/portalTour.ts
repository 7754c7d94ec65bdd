// A walk through every page of the portal, for the checks that look at all of them (axe in both
// themes, the screenshots, the horizontal-scroll measure): an administrator's account with a
// little of everything, made once over the REST API, and the pages with how to open each one
// and what says it has finished loading.
import { type APIRequestContext, expect, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../../playwright.config.ts";
import { callWithKey, portalLogin, restCreateKey, restLogin } from "./api.ts";
import { KeysPage } from "./keysPage.ts";

export interface TourAccount {
  email: string;
  password: string;
  conversationId: string;
}

const PASSWORD = "tour-password-long-1";

/** A new administrator with no keys, agents, knowledge bases, connectors or conversations yet. */
export async function createTourAccount(request: APIRequestContext, name: string): Promise<TourAccount> {
  // Logging in opens sudo mode, which creating an administrator needs.
  const admin = await restLogin(request, E2E_ADMIN.email, E2E_ADMIN.password);
  const email = `${name.toLowerCase().replace(/\W+/g, ".")}-${Date.now()}@example.com`;
  const created = await request.post("/api/admin/users", {
    data: { email, password: PASSWORD, name, role: "admin" },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  return { email, password: PASSWORD, conversationId: "" };
}

/** Keys with some use, a knowledge base with a document, an agent, a connector, a conversation. */
export async function seedTourAccount(request: APIRequestContext, account: TourAccount): Promise<void> {
  const token = await restLogin(request, account.email, account.password);
  const auth = { authorization: `Bearer ${token}` };
  const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const nightly = await restCreateKey(request, token, { name: "Nightly KB sync", scopes: "kb" });
  const chatBot = await restCreateKey(request, token, { name: "Support chatbot", scopes: ["chat", "agents"] });
  const staging = await restCreateKey(request, token, { name: "Staging (temporary)", expires_at: inAMonth });
  const legacy = await restCreateKey(request, token, { name: "Legacy exporter" });
  const calls = [
    ...Array.from({ length: 12 }, () => callWithKey(request, chatBot.key, "/api/conversations")),
    ...Array.from({ length: 5 }, () => callWithKey(request, nightly.key, "/api/knowledge-bases")),
    callWithKey(request, staging.key, "/api/auth/verify"),
  ];
  await Promise.all(calls);
  const disabled = await request.patch(`/api/me/api-keys/${legacy.id}`, { data: { is_active: false }, headers: auth });
  expect(disabled.status()).toBe(200);

  const kb = await request.post("/api/knowledge-bases", {
    data: { name: "Handbook", description: "Company policies" },
    headers: auth,
  });
  expect(kb.status(), await kb.text()).toBe(201);
  const kbId = (await kb.json()).id;
  const doc = await request.post(`/api/knowledge-bases/${kbId}/documents`, {
    data: {
      title: "Time off",
      content:
        "Employees get 25 days of paid vacation per year.\n\nUnused vacation days carry over until the end of March.",
    },
    headers: auth,
  });
  expect(doc.status(), await doc.text()).toBe(201);
  const connector = await request.post("/api/connectors", {
    data: {
      name: "Issue tracker",
      base_url: "https://tracker.example.com/api",
      auth_header: "Bearer tracker-token",
      actions: [{ name: "get_issue", method: "GET", path: "/issues/{number}", description: "One issue" }],
    },
    headers: auth,
  });
  expect(connector.status(), await connector.text()).toBe(201);
  const agent = await request.post("/api/agents", {
    data: {
      name: "HR assistant",
      description: "Answers questions about the handbook",
      tools: ["kb_retrieve", "calculator"],
      knowledge_base_ids: [kbId],
    },
    headers: auth,
  });
  expect(agent.status(), await agent.text()).toBe(201);
  const agentId = (await agent.json()).id;

  // A ReAct run that reads the handbook, then a DAG run in the same conversation.
  const first = await request.post("/api/react", {
    data: { q: "How many vacation days do employees get?", agent_id: agentId },
    headers: auth,
  });
  expect(first.status()).toBe(200);
  const start = /event: start\ndata: (.*)\n/.exec(await first.text());
  account.conversationId = JSON.parse(start?.[1] ?? "{}").conversation_id;
  expect(account.conversationId).toBeTruthy();
  const second = await request.post("/api/dag", {
    data: { q: "And what is 25 * 3?", agent_id: agentId, conversation_id: account.conversationId },
    headers: auth,
  });
  expect(second.status()).toBe(200);
  await second.text();
}

export interface TourPage {
  /** File-name friendly: "api-keys". */
  name: string;
  /** Logged out (the login page) or in. */
  signedIn: boolean;
  /** Opens the page and waits until it shows what it is for. */
  open: (page: Page, account: TourAccount) => Promise<void>;
}

/** Waits for the h1 and for every "Loading…" to be gone. */
async function settled(page: Page, heading: string): Promise<void> {
  await expect(page.getByRole("heading", { name: heading, level: 1 })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "Loading" })).toHaveCount(0);
}

function simplePage(name: string, path: string, heading: string): TourPage {
  return {
    name,
    signedIn: true,
    open: async (page) => {
      await page.goto(path);
      await settled(page, heading);
    },
  };
}

export const TOUR_PAGES: TourPage[] = [
  {
    name: "login",
    signedIn: false,
    open: async (page) => {
      await page.goto("/login");
      await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
    },
  },
  {
    name: "api-keys",
    signedIn: true,
    open: async (page) => {
      await new KeysPage(page).goto();
      // By text, not by row header: a phone shows the rows as cards.
      await page.getByRole("button", { name: "Manage Support chatbot" }).click();
      await expect(page.getByRole("img", { name: /12 requests/ })).toBeVisible();
    },
  },
  {
    name: "create-api-key",
    signedIn: true,
    open: async (page) => {
      const keys = new KeysPage(page);
      await keys.goto();
      const dialog = await keys.openCreateDialog();
      await dialog.getByLabel("Name").fill("Production Integration");
      await dialog.getByRole("checkbox", { name: "(chat)" }).check();
      await dialog.getByRole("checkbox", { name: "(kb)" }).check();
      await dialog.getByLabel("Name").focus();
    },
  },
  {
    name: "security",
    signedIn: true,
    open: async (page) => {
      await page.goto("/settings/security");
      await settled(page, "Security");
      await page.getByRole("button", { name: "Set up two-factor login" }).click();
      await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
    },
  },
  simplePage("sessions", "/settings/sessions", "Sessions"),
  simplePage("password", "/settings/password", "Password"),
  simplePage("agents", "/agents", "Agents"),
  {
    name: "knowledge-bases",
    signedIn: true,
    open: async (page) => {
      await page.goto("/knowledge-bases");
      await settled(page, "Knowledge bases");
      await expect(page.getByRole("heading", { name: "Handbook", level: 2 })).toBeVisible();
      await expect(page.getByText("Time off")).toBeVisible();
    },
  },
  simplePage("connectors", "/connectors", "Connectors"),
  {
    name: "chat",
    signedIn: true,
    open: async (page, account) => {
      await page.goto(`/chat/${account.conversationId}`);
      await settled(page, "Chat");
      await expect(page.locator("#main")).toContainText("25 * 3 = 75");
      // The first answer's steps, opened: what the agent did on the way.
      await page
        .locator("summary", { hasText: /^Steps/ })
        .first()
        .click();
    },
  },
  simplePage("admin-users", "/admin/users", "Users"),
  simplePage("admin-keys", "/admin/keys", "All keys"),
  simplePage("admin-audit", "/admin/audit", "Audit log"),
];

/** Opens every page in order as `account` (logging in before the first page that needs it), and hands each to `visit`. */
export async function visitEveryPage(
  page: Page,
  account: TourAccount,
  visit: (tourPage: TourPage) => Promise<void>,
): Promise<void> {
  let signedIn = false;
  for (const tourPage of TOUR_PAGES) {
    if (tourPage.signedIn && !signedIn) {
      await portalLogin(page, account.email, account.password);
      signedIn = true;
    }
    await tourPage.open(page, account);
    await visit(tourPage);
  }
}
