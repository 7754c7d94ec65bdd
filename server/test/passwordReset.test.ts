// "Forgot password": the link arrives by mail through a real SMTP server (smtp-server, in this
// process), is followed, works once and for 30 minutes, ends every session; unknown addresses are
// answered alike; requests are throttled; without SMTP_URL the link goes to the log instead.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createLogger } from "../src/logger.ts";
import { createUser } from "../src/services/users.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { PortalBrowser } from "./support/browser.ts";

/** Log lines kept in memory, to read what the server wrote. */
class CapturedLog {
  lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.join("");
  }
}

interface ReceivedMail {
  to: string[];
  raw: string;
  /** The text body, quoted-printable soft breaks and escapes undone. */
  text: string;
}

/** A mailbox behind a real SMTP server that wants a login and refuses one recipient. */
class Mailbox {
  readonly received: ReceivedMail[] = [];
  private waiters: { to: string; resolve: (mail: ReceivedMail) => void }[] = [];
  readonly server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth: (auth, _session, callback) => {
      if (auth.username === "fim-mailer" && auth.password === "smtp-pass-word") callback(null, { user: "fim" });
      else callback(new Error("Invalid username or password"));
    },
    onRcptTo: (address, _session, callback) => {
      if (address.address.startsWith("bounce")) {
        callback(Object.assign(new Error("No such mailbox"), { responseCode: 550 }));
      } else callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
        const text = body
          .replace(/=\r\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
        const mail = { to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, text };
        this.received.push(mail);
        for (const waiter of this.waiters.filter((w) => mail.to.includes(w.to))) waiter.resolve(mail);
        this.waiters = this.waiters.filter((w) => !mail.to.includes(w.to));
        callback();
      });
    },
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  /** The next mail to `to` (one already received that was not taken yet counts). */
  next(to: string): Promise<ReceivedMail> {
    return new Promise((resolve) => this.waiters.push({ to, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The link in a reset mail, checked to be the portal's reset page on this server. */
function linkIn(mail: ReceivedMail, server: TestServer): URL {
  const found = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+/.exec(mail.text);
  expect(found, mail.text).not.toBeNull();
  const link = new URL(found?.[0] ?? "");
  expect(link.origin).toBe(server.url);
  expect(link.pathname).toBe("/reset-password");
  return link;
}

const REQUESTED = {
  message: "If the address has an account, a link to reset its password is on its way. It is valid for 30 minutes.",
};

describe("with SMTP", () => {
  const mailbox = new Mailbox();
  const log = new CapturedLog();
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    const port = await mailbox.listen();
    server = await startTestServer(
      {
        SMTP_URL: `smtp://fim-mailer:smtp-pass-word@127.0.0.1:${port}`,
        SMTP_FROM: "FIM One <fim@example.test>",
        PASSWORD_RESET_MAX_PER_IP: "1000",
      },
      { logger: createLogger("trace", log) },
    );
    adminToken = (await server.login(ADMIN.email, ADMIN.password)).access_token;
  });
  afterAll(async () => {
    await server.close();
    await mailbox.close();
  });

  test("the mailed link sets a new password once, ends every session, and is audited", async () => {
    const user = await server.createUser("forgetful@example.com", "old-password-1");
    const otherSession = await server.login(user.email, "old-password-1");
    // Both sessions are in use (and cached) before the reset.
    expect((await server.api("GET", "/api/me", { token: user.token })).status).toBe(200);

    const mail = mailbox.next(user.email);
    const asked = await server.api("POST", "/api/auth/password/forgot", { body: { email: "Forgetful@Example.com " } });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual(REQUESTED);
    const received = await mail;
    expect(received.raw).toMatch(/^From: FIM One <fim@example\.test>/m);
    expect(received.raw).toMatch(/^Subject: Reset your FIM One password/m);
    const link = linkIn(received, server);
    const token = link.searchParams.get("token") ?? "";

    // The link's token, used twice at once: one use wins.
    const attempts = await Promise.all(
      ["new-password-one", "new-password-two"].map((new_password) =>
        server.api("POST", "/api/auth/password/reset", { body: { token, new_password } }),
      ),
    );
    expect(attempts.map((a) => a.status).sort()).toEqual([200, 400]);
    const won = attempts.find((a) => a.status === 200);
    const lost = attempts.find((a) => a.status === 400);
    expect(won?.body).toEqual({ ok: true, sessions_ended: 2 });
    expect(lost?.body).toMatchObject({ error: "validation_error", details: [{ field: "token" }] });
    const newPassword = attempts[0]?.status === 200 ? "new-password-one" : "new-password-two";

    // Every session ended on the very next request; the old password is gone, the new one works.
    for (const access of [user.token, otherSession.access_token]) {
      expect((await server.api("GET", "/api/me", { token: access })).body).toMatchObject({ error: "invalid_token" });
    }
    const refreshed = await server.api("POST", "/api/auth/refresh", {
      body: { refresh_token: otherSession.refresh_token },
    });
    expect(refreshed.status).toBe(401);
    const oldLogin = await server.api("POST", "/api/auth/login", {
      body: { email: user.email, password: "old-password-1" },
    });
    expect(oldLogin.status).toBe(401);
    await server.login(user.email, newPassword);

    // Used: the same link again is refused.
    const again = await server.api("POST", "/api/auth/password/reset", {
      body: { token, new_password: "yet-another-password" },
    });
    expect(again.status).toBe(400);

    const audit = await server.api("GET", `/api/admin/audit-log?user_id=${user.id}&limit=10`, { token: adminToken });
    const actions = audit.body.items.map((entry: { action: string }) => entry.action);
    expect(actions).toContain("password_reset_requested");
    expect(actions).toContain("password_reset");
    expect(audit.body.items.find((entry: { action: string }) => entry.action === "password_reset").detail).toEqual({
      sessions_ended: 2,
    });
    // With SMTP configured, no log line carries the link or its token.
    expect(log.text()).not.toContain(token);
    expect(log.text()).not.toContain(newPassword);
    expect(log.text()).toContain("password reset mail sent");
  });

  test("an unknown address gets the same answer and no mail; a link expires after 30 minutes", async () => {
    const mailsBefore = mailbox.received.length;
    const unknown = await server.api("POST", "/api/auth/password/forgot", { body: { email: "nobody@example.com" } });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(REQUESTED);
    await server.ctx.background.settled();
    expect(mailbox.received.length).toBe(mailsBefore);

    // Through the portal's door this time: the same answer, and the link dies with its 30 minutes.
    await createUser(server.ctx, { email: "slow@example.com", password: "slow-password-1" });
    const browser = new PortalBrowser(server.url);
    const mail = mailbox.next("slow@example.com");
    const asked = await browser.mutate("auth.forgotPassword", { email: "slow@example.com" });
    expect(asked.status).toBe(200);
    expect(asked.data).toEqual(REQUESTED);
    const token = linkIn(await mail, server).searchParams.get("token") ?? "";
    server.clock.advance(30 * 60 + 1);
    const late = await browser.mutate("auth.resetPassword", { token, new_password: "too-late-password" });
    expect(late.status).toBe(400);
    expect(late.error.data.error).toMatchObject({ error: "validation_error", details: [{ field: "token" }] });
    const login = await server.api("POST", "/api/auth/login", {
      body: { email: "slow@example.com", password: "slow-password-1" },
    });
    expect(login.status).toBe(200);
  });

  test("a mail server that refuses the mail: still 202, logged without the link", async () => {
    await createUser(server.ctx, { email: "bounce@example.com", password: "bounce-password-1" });
    const asked = await server.api("POST", "/api/auth/password/forgot", { body: { email: "bounce@example.com" } });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual(REQUESTED);
    await server.ctx.background.settled();
    const failure = log.lines.find((line) => line.includes("password reset failed"));
    expect(failure).toMatch(/"smtp_reply":550/);
    expect(log.text()).not.toMatch(/reset-password\?token=/);
  });

  test("throttled per address, known or not, with Retry-After", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await server.api("POST", "/api/auth/password/forgot", { body: { email: "guess@example.com" } })).status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await server.api("POST", "/api/auth/password/forgot", { body: { email: "guess@example.com" } });
    expect(refused.body).toMatchObject({ error: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("without SMTP", () => {
  const log = new CapturedLog();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ PASSWORD_RESET_MAX_PER_IP: "3" }, { logger: createLogger("info", log) });
  });
  afterAll(() => server.close());

  test("the link is written to the log for the operator, and works", async () => {
    await createUser(server.ctx, { email: "offline@example.com", password: "offline-password-1" });
    const asked = await server.api("POST", "/api/auth/password/forgot", { body: { email: "offline@example.com" } });
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual(REQUESTED);
    await server.ctx.background.settled();
    const line = log.lines.find((entry) => entry.includes("password reset link"));
    const entry = JSON.parse(line ?? "{}") as { reset_link?: string; email?: string };
    expect(entry.email).toBe("offline@example.com");
    const link = new URL(entry.reset_link ?? "");
    expect(`${link.origin}${link.pathname}`).toBe(`${server.url}/reset-password`);
    const done = await server.api("POST", "/api/auth/password/reset", {
      body: { token: link.searchParams.get("token"), new_password: "fresh-password-1" },
    });
    expect(done.body).toEqual({ ok: true, sessions_ended: 0 });
    await server.login("offline@example.com", "fresh-password-1");
  });

  test("throttled per client address, whatever the email", async () => {
    // One request of this address's three went to the test above.
    const statuses: number[] = [];
    for (const email of ["a@example.com", "b@example.com", "c@example.com"]) {
      statuses.push((await server.api("POST", "/api/auth/password/forgot", { body: { email } })).status);
    }
    expect(statuses).toEqual([202, 202, 429]);
  });
});
