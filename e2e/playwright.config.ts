// End-to-end tests: the production build of the portal served by the real server, on a fresh
// SQLite data directory, in headless Chromium. CHROMIUM_PATH picks the browser binary (Debian's
// /usr/bin/chromium on our machines); unset, Playwright's own browser is used.
//
// Three servers: the main one with the default token lifetimes; a second one whose access
// tokens live SHORT_TTL seconds, for the silent-refresh test (project "session"); a third that
// mails through the SMTP server reset.spec.ts runs (E2E_SMTP_PORT) and whose sudo mode lasts
// SHORT_SUDO seconds, for the password-reset and re-authentication tests (project "reset").
import { defineConfig, devices } from "@playwright/test";

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3137);
export const E2E_SESSION_PORT = E2E_PORT + 1;
export const E2E_RESET_PORT = E2E_PORT + 2;
export const E2E_SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? E2E_PORT + 3);
export const SHORT_TTL = 8;
export const SHORT_SUDO = 3;
export const E2E_ADMIN = { email: "admin@e2e.test", password: "e2e-admin-password" };
const executablePath = process.env.CHROMIUM_PATH || undefined;

function server(port: number, dir: string, env: Record<string, string> = {}) {
  return {
    command: `rm -rf .tmp/${dir} && pnpm --dir ../server start`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 90_000,
    reuseExistingServer: false,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: `${import.meta.dirname}/.tmp/${dir}`,
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      LOG_LEVEL: "warn",
      ...env,
    },
  };
}

export default defineConfig({
  testDir: "./tests",
  timeout: 45_000,
  expect: { timeout: 7_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    ...devices["Desktop Chrome"],
    // The Copy buttons write to the clipboard; the tests read it back.
    permissions: ["clipboard-read", "clipboard-write"],
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    {
      name: "portal",
      testIgnore: /(session|reset)\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${E2E_PORT}` },
    },
    {
      name: "session",
      testMatch: /session\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${E2E_SESSION_PORT}` },
    },
    {
      name: "reset",
      testMatch: /reset\.spec\.ts/,
      use: { baseURL: `http://127.0.0.1:${E2E_RESET_PORT}` },
    },
  ],
  webServer: [
    // Connectors' "Test connection" is tried against a service on loopback (this server itself),
    // which connector calls refuse unless private networks are allowed.
    server(E2E_PORT, "data", { CONNECTOR_PRIVATE_NETWORKS: "allow" }),
    server(E2E_SESSION_PORT, "session-data", { ACCESS_TOKEN_TTL: String(SHORT_TTL) }),
    server(E2E_RESET_PORT, "reset-data", {
      SMTP_URL: `smtp://127.0.0.1:${E2E_SMTP_PORT}`,
      SMTP_FROM: "FIM One <fim@e2e.test>",
      SUDO_MODE_SECONDS: String(SHORT_SUDO),
    }),
  ],
});
