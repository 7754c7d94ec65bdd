import { expect, test } from "@playwright/test";

test("the server serves the portal", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "FIM One" })).toBeVisible();
});
