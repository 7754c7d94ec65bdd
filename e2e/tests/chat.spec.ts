// Chat: a run streams into the page from the offline engine (react and dag), the conversation
// continues, and it can be reopened later from the list.
import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config.ts";
import { portalLogin } from "./support/api.ts";

test("6. a streamed answer appears, the conversation continues in DAG mode, and it can be reopened", async ({
  page,
}) => {
  await portalLogin(page, E2E_ADMIN.email, E2E_ADMIN.password);
  await page.goto("/chat");
  await expect(page.getByRole("heading", { name: "Chat", level: 1 })).toBeVisible();

  // The stream arrives over tRPC's SSE transport: watch for it, so the test proves streaming.
  const stream = page.waitForResponse(
    (r) => r.url().includes("/trpc/chat.run") && (r.headers()["content-type"] ?? "").includes("text/event-stream"),
  );
  await page.getByRole("radio", { name: "ReAct" }).check({ force: true });
  await page.getByLabel("Your question").fill("What is 12 * 7 + 3?");
  await page.getByRole("button", { name: "Send" }).click();
  await stream;

  const answers = page.getByTestId("live-answer");
  await expect(answers.last()).toHaveText("12 * 7 + 3 = 87");
  await expect(page.getByText(/^Steps \(3\)/)).toBeVisible();
  await expect(page.locator(".message-meta").last()).toContainText("react · offline");
  await expect(page).toHaveURL(/\/chat\/[^/]+$/);
  const conversationUrl = page.url();

  // Continue the same conversation, planning first.
  await page.getByRole("radio", { name: "DAG" }).check({ force: true });
  await page.getByLabel("Your question").fill("And what is 100 / 4?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(answers.last()).toHaveText("100 / 4 = 25");
  await expect(page.locator(".plan").last()).toContainText("calculate");
  await expect(page.locator(".plan-step.plan-completed")).toHaveCount(2);
  await expect(page.locator(".message-meta").last()).toContainText("dag · offline");
  expect(page.url()).toBe(conversationUrl);

  // Reopen it later from the list: both questions and both answers are there.
  await page.getByRole("link", { name: "New conversation" }).click();
  await expect(page.getByText("Ask anything.")).toBeVisible();
  await page
    .getByRole("navigation", { name: "Past conversations" })
    .getByRole("link", { name: /What is 12 \* 7 \+ 3/ })
    .click();
  await expect(page).toHaveURL(conversationUrl);
  const bodies = page.locator(".messages .message-body");
  await expect(bodies).toHaveText(["What is 12 * 7 + 3?", "12 * 7 + 3 = 87", "And what is 100 / 4?", "100 / 4 = 25"]);
});
