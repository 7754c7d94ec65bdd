// The portal's look: every page (support/portalTour.ts) at a laptop's and a phone's size, in the
// light and the dark theme, as screenshots to look at, and no page scrolls sideways. The dark runs
// set the system's preference, so they also show that the portal follows it. And its times: a
// browser whose clock is behind the server's still says "just now" for what just happened.
// The pictures go to test-results/screenshots/ unless UPDATE_SCREENSHOTS=1, which refreshes
// docs/screenshots/ (so a test run does not leave the checkout modified); the README shows some.
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { portalLogin } from "./support/api.ts";
import { createTourAccount, seedTourAccount, type TourAccount, visitEveryPage } from "./support/portalTour.ts";

const folder = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, "../../docs/screenshots")
  : path.resolve(import.meta.dirname, "../test-results/screenshots");

const SIZES = {
  laptop: { width: 1366, height: 850 },
  phone: { width: 390, height: 844 },
} as const;
const THEMES = ["light", "dark"] as const;

// Pictured as the viewport shows it: a modal dialog (over a page that may be longer).
const VIEWPORT_ONLY = new Set(["create-api-key"]);

let account: TourAccount;

test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  account = await createTourAccount(request, "Alex Doe");
  await seedTourAccount(request, account);
  await request.dispose();
});

/** The page's background as [r, g, b]. */
async function background(page: Page): Promise<number[]> {
  const color = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const rgb = /rgba?\((\d+), (\d+), (\d+)/.exec(color);
  return rgb ? rgb.slice(1).map(Number) : [];
}

for (const [size, viewport] of Object.entries(SIZES)) {
  for (const theme of THEMES) {
    test.describe(`${size}, ${theme}`, () => {
      test.use({ viewport, colorScheme: theme });

      test(`every page at ${size} size in the ${theme} theme: a screenshot each, none scrolls sideways`, async ({
        page,
      }) => {
        test.setTimeout(60_000);
        await visitEveryPage(page, account, async (tourPage) => {
          await page.mouse.move(0, 0);
          const { scrollWidth, clientWidth } = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            clientWidth: document.documentElement.clientWidth,
          }));
          expect
            .soft(scrollWidth, `${tourPage.name} scrolls sideways at ${size} size`)
            .toBeLessThanOrEqual(clientWidth);
          // The whole page in a viewport as tall as it: a full-page capture would leave the sticky
          // top bar and question box where the real viewport had them, halfway down the picture.
          const whole = !VIEWPORT_ONLY.has(tourPage.name);
          if (whole) {
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
          }
          await page.screenshot({
            path: path.join(folder, `${tourPage.name}-${size}-${theme}.png`),
            animations: "disabled",
          });
          if (whole) await page.setViewportSize(viewport);
        });
        // The system's preference decided the theme: a dark page behind the dark run, a light one behind the light.
        const [r = 0, g = 0, b = 0] = await background(page);
        if (theme === "dark") expect(Math.max(r, g, b)).toBeLessThan(48);
        else expect(Math.min(r, g, b)).toBeGreaterThan(224);
      });
    });
  }
}

test("what just happened reads 'just now' even when the browser's clock is behind the server's", async ({ page }) => {
  // Ten minutes behind: the conversation's last update lies in the browser's future.
  await page.clock.install({ time: new Date(Date.now() - 10 * 60_000) });
  await portalLogin(page, account.email, account.password);
  await page.goto("/chat");
  const conversation = page.getByRole("link", { name: /How many vacation days/ });
  await expect(conversation).toContainText("just now");
  await expect(conversation.locator("time")).toHaveAttribute(
    "title",
    /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2}:\d{2} /,
  );
});
