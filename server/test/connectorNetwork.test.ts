// Connector calls and the server's own network: refused by default (SSRF), allowed only when the
// operator opts in with CONNECTOR_PRIVATE_NETWORKS=allow.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isNonPublicAddress } from "../src/lib/networkGuard.ts";
import { callConnectorAction } from "../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

describe("isNonPublicAddress", () => {
  test.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.20.0.1",
    "192.168.1.10",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "not-an-address",
  ])("%s is refused", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  test.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );
});

describe("connector calls", () => {
  let upstream: Server;
  let hits = 0;
  let origin: string;
  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      hits++;
      res.setHeader("content-type", "application/json");
      res.end('{"internal":"secret data"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  async function connectorOn(server: TestServer, baseUrl: string) {
    const { access_token, user } = await server.login(ADMIN.email, ADMIN.password);
    const created = await server.api("POST", "/api/connectors", {
      token: access_token,
      body: { name: "internal", base_url: baseUrl, actions: [{ name: "read", method: "GET", path: "/data" }] },
    });
    expect(created.status).toBe(201);
    return { userId: user.id as string, connectorId: created.body.id as string };
  }

  test("by default, loopback and localhost names are refused before any request is sent", async () => {
    const server = await startTestServer();
    try {
      for (const base of [origin, origin.replace("127.0.0.1", "localhost")]) {
        const { userId, connectorId } = await connectorOn(server, base);
        await expect(callConnectorAction(server.ctx, userId, connectorId, "read", {})).rejects.toMatchObject({
          code: "validation_error",
          message: expect.stringContaining("CONNECTOR_PRIVATE_NETWORKS=allow"),
        });
      }
      expect(hits).toBe(0);
    } finally {
      await server.close();
    }
  });

  test("with CONNECTOR_PRIVATE_NETWORKS=allow the same call goes through", async () => {
    const server = await startTestServer({ CONNECTOR_PRIVATE_NETWORKS: "allow" });
    try {
      const { userId, connectorId } = await connectorOn(server, origin);
      const result = await callConnectorAction(server.ctx, userId, connectorId, "read", {});
      expect(result).toMatchObject({ status: 200, body: { internal: "secret data" } });
      expect(hits).toBe(1);
    } finally {
      await server.close();
    }
  });
});
