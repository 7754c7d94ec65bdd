// What every request meets before its route: the security headers (the API's set for JSON and
// event-stream answers, helmet's for the portal's pages), the request line in the log, the answer
// of a HEAD request, and the caller's address when no proxy is trusted.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import express, { type Request, type Response } from "express";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createApp } from "../src/http/app.ts";
import { createLogger } from "../src/logger.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";
import { simultaneousBurst } from "./support/rawHttp.ts";

let server: TestServer;
let token: string;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  server = await startTestServer({}, { logger: createLogger("info", sink) });
  token = (await server.login(ADMIN.email, ADMIN.password)).access_token;
});
afterAll(() => server.close());

const API_HEADERS = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

test.each([
  ["a REST answer", "GET", "/api/me", true],
  ["a REST error", "GET", "/api/me", false],
  ["an unknown API path", "GET", "/api/nothing-here", true],
  ["a portal procedure", "GET", "/trpc/me", false],
])("%s carries the API's security headers", async (_what, method, path, withToken) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: withToken ? { authorization: `Bearer ${token}` } : {},
  });
  await response.arrayBuffer();
  for (const [name, value] of Object.entries(API_HEADERS)) expect(response.headers.get(name), name).toBe(value);
});

test("the portal's pages carry helmet's headers, which allow the portal's own scripts and styles", async () => {
  const response = await fetch(`${server.url}/settings/api-keys`);
  await response.arrayBuffer();
  expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
  expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(response.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
});

test("a HEAD request gets the GET answer's status and length, without the body", async () => {
  const get = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = await get.text();
  const head = await fetch(`${server.url}/api/me`, { method: "HEAD", headers: { authorization: `Bearer ${token}` } });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(Number(head.headers.get("content-length"))).toBe(Buffer.byteLength(body));
  expect(await head.text()).toBe("");
});

test("each answered request logs one JSON line: method, path, status, time and who called", async () => {
  const { key } = await server.createKey(token, { name: "logged" });
  lines.length = 0;
  const answer = await server.api("GET", "/api/auth/verify", { token: key });
  expect(answer.status).toBe(200);
  await server.api("GET", "/api/me");
  const requests = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === "request");
  expect(requests).toEqual(
    [
      {
        level: 30,
        time: expect.any(Number),
        method: "GET",
        path: "/api/auth/verify",
        status: 200,
        ms: expect.any(Number),
        user: answer.body.user.id,
        key: key.slice(0, 8),
      },
      {
        level: 30,
        time: expect.any(Number),
        method: "GET",
        path: "/api/me",
        status: 401,
        ms: expect.any(Number),
        msg: "request",
      },
    ].map((line) => ({ ...line, msg: "request" })),
  );
  expect(JSON.stringify(lines)).not.toContain(key.slice(8));
});

test("a path with quotes and backslashes, sent as they are, still logs a line that parses", async () => {
  lines.length = 0;
  const path = '/api/"quoted"\\back\\slash';
  const [answer] = await simultaneousBurst(server.port, [
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
  ]);
  expect(answer?.status).toBe(404);
  const requests = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === "request");
  expect(requests).toEqual([expect.objectContaining({ status: 404, path })]);
});

test("trusting no proxy, a key's last use is the socket's address, whatever X-Forwarded-For says", async () => {
  const { key, id } = await server.createKey(token, { name: "where from" });
  const answer = await server.api("GET", "/api/me", { token: key, headers: { "x-forwarded-for": "203.0.113.9" } });
  expect(answer.status).toBe(200);
  await server.ctx.usage.flush();
  const shown = await server.api("GET", `/api/me/api-keys/${id}`, { token });
  expect(shown.body.last_used_ip).toMatch(/^(127\.0\.0\.1|::1)$/);
});

test("a handler mounted before the routes sees each request as Express's router would hand it over", async () => {
  // The same recording handler behind createApp (front() dispatches to it) and mounted by plain Express.
  const seen: unknown[] = [];
  const record = (req: Request, res: Response) => {
    seen.push({ url: req.url, baseUrl: req.baseUrl, path: req.path, originalUrl: req.originalUrl });
    res.end();
  };
  const ours = http.createServer(createApp(server.ctx, { beforeRoutes: [{ path: "/trpc", handler: record }] }));
  const plain = http.createServer(express().use("/trpc", record));
  const ports: number[] = [];
  for (const listening of [ours, plain]) {
    await new Promise<void>((resolve) => listening.listen(0, "127.0.0.1", resolve));
    ports.push((listening.address() as AddressInfo).port);
  }
  try {
    const targets = [
      "/trpc/me",
      "/trpc/keys.list,me?batch=1&input=%7B%7D",
      "/TRPC/Me",
      "/trpc",
      "/trpc?x=1",
      "/trpc/",
      "/trpc/?x=1",
      "/trpc//me",
      "/trpc/me/",
      "/trpc\\me",
      "/trpc/me{x}",
      "/trpc%2Fme",
      "/trpcx",
      "http://127.0.0.1/trpc/me?x=1",
    ];
    for (const target of targets) {
      const answers: unknown[] = [];
      for (const port of ports) {
        seen.length = 0;
        await simultaneousBurst(port, [`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`]);
        answers.push(seen[0] ?? null);
      }
      expect(answers[0], target).toEqual(answers[1]);
    }
  } finally {
    for (const listening of [ours, plain]) await new Promise((resolve) => listening.close(resolve));
  }
});

test("a mounted handler that throws leaves the request to the error handler, with the URL as it came", async () => {
  const throwing = () => {
    throw new Error("boom");
  };
  const ours = http.createServer(createApp(server.ctx, { beforeRoutes: [{ path: "/trpc", handler: throwing }] }));
  await new Promise<void>((resolve) => ours.listen(0, "127.0.0.1", resolve));
  try {
    lines.length = 0;
    const response = await fetch(`http://127.0.0.1:${(ours.address() as AddressInfo).port}/trpc/boom?x=1`);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toBe("internal_error");
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: "request failed", path: "/trpc/boom" }),
        expect.objectContaining({ msg: "request", path: "/trpc/boom", status: 500 }),
      ]),
    );
  } finally {
    await new Promise((resolve) => ours.close(resolve));
  }
});
