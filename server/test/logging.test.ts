// No secret in a log line: with the most verbose logging, the whole credential life cycle
// (login, failed login, key creation and use, body tokens, refresh, bad tokens) leaves no
// password, key or token in what the server writes.
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createLogger } from "../src/logger.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

let server: TestServer;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  server = await startTestServer({}, { logger: createLogger("trace", sink) });
});
afterAll(() => server.close());

test("passwords, keys and tokens never reach the log", async () => {
  const secrets: string[] = [ADMIN.password, "wrong-password-xyz"];
  await server.api("POST", "/api/auth/login", { body: { email: ADMIN.email, password: "wrong-password-xyz" } });
  const tokens = await server.login(ADMIN.email, ADMIN.password);
  secrets.push(tokens.access_token, tokens.refresh_token);

  const { key } = await server.createKey(tokens.access_token, { name: "logged?" });
  secrets.push(key);
  await server.api("GET", "/api/me", { token: key });
  await server.api("POST", "/api/react", { body: { q: "2 + 2", token: key } });
  await server.api("POST", "/api/react", { body: { q: "", token: tokens.access_token } });

  const refreshed = await server.api("POST", "/api/auth/refresh", { body: { refresh_token: tokens.refresh_token } });
  secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
  // Refused credentials are secrets too: a mistyped key is still most of a real one.
  const mistyped = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
  secrets.push(mistyped);
  await server.api("GET", "/api/me", { token: mistyped });
  await server.api("POST", "/api/auth/refresh", { body: { refresh_token: tokens.refresh_token } }); // reuse
  await server.api("POST", "/api/me/api-keys", { token: refreshed.body.access_token, body: '{"name": ' });

  await server.ctx.usage.flush();
  const log = lines.join("");
  expect(lines.length).toBeGreaterThan(10); // the requests really were logged
  expect(log).toContain(key.slice(0, 8)); // the prefix identifies the key in request lines
  for (const secret of secrets) {
    expect(log).not.toContain(secret);
    // Not even the part after the prefix or a JWT's signature on its own.
    expect(log).not.toContain(secret.slice(8));
    if (secret.startsWith("eyJ")) expect(log).not.toContain(secret.split(".")[2]);
  }
});
