// Every example of the public reference, run as written (the real `curl` binary, the real
// `fetch`), with only the placeholder host and credentials replaced.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

const run = promisify(execFile);
const HOST = "https://your-domain.com";

let server: TestServer;
let jwtTokens: { access_token: string; refresh_token: string };
let fullKey: string;

beforeAll(async () => {
  server = await startTestServer();
  jwtTokens = await server.login(ADMIN.email, ADMIN.password);
  fullKey = (await server.createKey(jwtTokens.access_token, { name: "reference examples" })).key;
});
afterAll(() => server.close());

/**
 * Runs curl with the reference's own arguments; `replacements` swaps placeholders for real
 * values. Returns the status and the parsed body (or raw text for streams).
 */
async function curl(
  args: string[],
  replacements: Record<string, string> = {},
): Promise<{ status: number; body: any; text: string }> {
  const substitute = (arg: string) => {
    let out = arg.replaceAll(HOST, server.url);
    for (const [placeholder, value] of Object.entries(replacements)) out = out.replaceAll(placeholder, value);
    return out;
  };
  const { stdout } = await run("curl", ["-sS", "-w", "\n%{http_code}", ...args.map(substitute)], {
    timeout: 20_000,
  });
  const cut = stdout.lastIndexOf("\n");
  const text = stdout.slice(0, cut);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a stream or an empty body
  }
  return { status: Number(stdout.slice(cut + 1)), body, text };
}

describe("reference curl examples", () => {
  test("Create a key with scopes", async () => {
    const answer = await curl(
      [
        "-X",
        "POST",
        "https://your-domain.com/api/me/api-keys",
        "-H",
        "Authorization: Bearer your_current_api_key_or_jwt",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{\n"name": "Chat-only Integration",\n"scopes": "chat"\n}',
      ],
      { your_current_api_key_or_jwt: jwtTokens.access_token },
    );
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: "Chat-only Integration", scopes: ["chat"], is_active: true });
    expect(answer.body.key).toMatch(/^fim_[A-Za-z0-9]{44}$/);
    expect(answer.body.key_prefix).toBe(answer.body.key.slice(0, 8));
  });

  test("Getting a JWT token (login)", async () => {
    const answer = await curl(
      [
        "-X",
        "POST",
        "https://your-domain.com/api/auth/login",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{\n"email": "user@example.com",\n"password": "your_password"\n}',
      ],
      { "user@example.com": ADMIN.email, your_password: ADMIN.password },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: "bearer", expires_in: 7200, user: { email: ADMIN.email } });
    expect(answer.body.access_token).toMatch(/^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\./);
    expect(answer.body.refresh_token).toMatch(/^eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9\./);
  });

  test("Token Refresh (with Content-Type)", async () => {
    const { refresh_token } = await server.login(ADMIN.email, ADMIN.password);
    const answer = await curl(
      [
        "-X",
        "POST",
        "https://your-domain.com/api/auth/refresh",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{\n"refresh_token": "your_refresh_token_here"\n}',
      ],
      { your_refresh_token_here: refresh_token },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: "bearer", expires_in: 7200 });
    expect(answer.body.refresh_token).not.toBe(refresh_token);
  });

  test("Expired Token → refresh without a Content-Type header", async () => {
    const { refresh_token } = await server.login(ADMIN.email, ADMIN.password);
    const answer = await curl(
      ["-X", "POST", "https://your-domain.com/api/auth/refresh", "-d", '{"refresh_token": "your_refresh_token"}'],
      { your_refresh_token: refresh_token },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.access_token).toMatch(/^eyJ/);
  });

  test("Using API keys: bearer header on /api/conversations", async () => {
    const answer = await curl(
      ["-H", "Authorization: Bearer fim_your_api_key_here", "https://your-domain.com/api/conversations"],
      { fim_your_api_key_here: fullKey },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ items: expect.any(Array) });
  });

  test("Bash environment example: $FIM_API_BASE_URL/agents", async () => {
    const script = 'curl -sS -H "Authorization: Bearer $FIM_API_KEY" \\\n"$FIM_API_BASE_URL/agents"';
    const { stdout } = await run("bash", ["-c", script], {
      env: { ...process.env, FIM_API_KEY: fullKey, FIM_API_BASE_URL: `${server.url}/api` },
    });
    expect(JSON.parse(stdout)).toMatchObject({ items: expect.any(Array) });
  });

  test("Using JWT for streaming: token in the body of /api/react", async () => {
    const answer = await curl(
      [
        "-X",
        "POST",
        "https://your-domain.com/api/react",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{\n"q": "What are the top 3 Python frameworks?",\n"token": "your_jwt_token_here"\n}',
      ],
      { your_jwt_token_here: jwtTokens.access_token },
    );
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/^event: /m);
    expect(answer.text).toContain("event: done");
    expect(answer.text.trimEnd()).toMatch(/event: end\ndata: .*$/);
  });

  test("Troubleshooting bodies: unauthorized and invalid_token, as documented", async () => {
    const none = await curl(["https://your-domain.com/api/conversations"]);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(expect.objectContaining({ error: "unauthorized", message: "Authentication required" }));
    const bad = await curl(["-H", "Authorization: Bearer fim_your_api_key_here", "https://your-domain.com/api/me"]);
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual(
      expect.objectContaining({ error: "invalid_token", message: "The provided token is invalid or expired" }),
    );
  });
});

describe("reference JavaScript examples", () => {
  test("fetch with a readable stream on /api/react, key in the body", async () => {
    // The reference's code, with the host and key replaced; chunks are collected instead of logged.
    const chunks: string[] = [];
    const response = await fetch(`${server.url}/api/react`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        q: "Hello",
        token: fullKey,
      }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value);
      chunks.push(chunk);
    }
    const stream = chunks.join("");
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(stream).toContain("event: done");
    expect(stream).toContain("event: end");
  });

  test("Node.js environment example: fetch of {base_url}/agents", async () => {
    const api_key = fullKey;
    const base_url = `${server.url}/api`;
    const headers = {
      Authorization: `Bearer ${api_key}`,
      "Content-Type": "application/json",
    };
    const response = await fetch(`${base_url}/agents`, {
      headers: headers,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ items: expect.any(Array) });
  });
});
