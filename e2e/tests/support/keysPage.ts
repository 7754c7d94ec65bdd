// Page object for Settings → API Keys: the steps a person takes, named as they would say them.
import { expect, type Locator, type Page } from "@playwright/test";

export class KeysPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto("/settings/api-keys");
    await expect(this.page.getByRole("heading", { name: "API Keys", level: 1 })).toBeVisible();
  }

  row(name: string): Locator {
    return this.page
      .locator("tbody > tr[data-key-id]")
      .filter({ has: this.page.getByRole("rowheader", { name, exact: true }) });
  }

  cell(name: string, column: "Key" | "Scopes" | "Created" | "Last used" | "Requests" | "Status" | "Expires"): Locator {
    return this.row(name).locator(`[data-label="${column}"]`);
  }

  createDialog(): Locator {
    return this.page.getByRole("dialog", { name: "Create API Key" });
  }

  secretDialog(): Locator {
    return this.page.getByRole("dialog").filter({ hasText: "it will not be shown again" });
  }

  async openCreateDialog(): Promise<Locator> {
    await this.page.getByRole("button", { name: "Create API Key" }).first().click();
    const dialog = this.createDialog();
    await expect(dialog).toBeVisible();
    return dialog;
  }

  /** Fills and submits the create form; returns the dialog (the secret dialog on success). */
  async fillCreateForm(options: { name: string; scopes?: string[]; expiresOn?: string }): Promise<void> {
    const dialog = await this.openCreateDialog();
    await dialog.getByLabel("Name").fill(options.name);
    for (const scope of options.scopes ?? []) {
      await dialog.getByRole("checkbox", { name: `(${scope})` }).check();
    }
    if (options.expiresOn) {
      await dialog.getByRole("radio", { name: "Custom date" }).check();
      await dialog.getByLabel("Expiration date").fill(options.expiresOn);
    }
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
  }

  /** Creates a key through the UI, copies it with the Copy button, closes the dialog; returns the key. */
  async createKey(options: { name: string; scopes?: string[]; expiresOn?: string }): Promise<string> {
    await this.fillCreateForm(options);
    return this.copySecretAndClose();
  }

  async copySecretAndClose(): Promise<string> {
    const dialog = this.secretDialog();
    await expect(dialog).toBeVisible();
    const shown = await dialog.locator("input.secret").inputValue();
    await dialog.getByRole("button", { name: "Copy", exact: true }).click();
    await expect(dialog.getByRole("button", { name: "Copied ✓" })).toBeVisible();
    const copied = await this.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect(dialog).toBeHidden();
    return copied;
  }

  async manage(name: string): Promise<Locator> {
    const button = this.row(name).getByRole("button", { name: `Manage ${name}` });
    const controls = await button.getAttribute("aria-controls");
    await button.click();
    const details = this.page.locator(`[id="${controls}"]`);
    await expect(details).toBeVisible();
    return details;
  }

  enabledSwitch(name: string): Locator {
    return this.row(name).getByRole("switch", { name: `Enabled: ${name}` });
  }
}

/** Nothing on the page (text, attributes, form values) contains `secret`. */
export async function expectNowhereOnPage(page: Page, secret: string): Promise<void> {
  expect(await page.content()).not.toContain(secret);
  const found = await page.evaluate((s) => {
    const values = [...document.querySelectorAll("input, textarea")].map(
      (el) => (el as HTMLInputElement | HTMLTextAreaElement).value,
    );
    return (document.body.textContent ?? "").includes(s) || values.some((v) => v.includes(s));
  }, secret);
  expect(found).toBe(false);
}
