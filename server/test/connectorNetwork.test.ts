// Connector calls and the server's own network: refused by default (SSRF), allowed only when the
// operator opts in with CONNECTOR_PRIVATE_NETWORKS=allow.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  isNonPublicAddress,
  type PinnedDestination,
  parseIPv6,
  pinnedLookup,
  resolveDestination,
} from "../src/lib/networkGuard.ts";
import { callConnectorAction } from "../src/services/connectors.ts";
import { ADMIN, startTestServer, type TestServer } from "./harness.ts";

describe("isNonPublicAddress: only global unicast is public", () => {
  test.each([
    // IPv4 special-purpose blocks, first and last addresses where it matters
    "0.0.0.0",
    "0.255.255.255",
    "10.0.0.0",
    "10.255.255.255",
    "100.64.0.1",
    "100.127.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.20.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.10",
    "198.18.0.1",
    "198.19.255.255",
    "198.51.100.7",
    "203.0.113.9",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    // IPv4 spellings that are not dotted decimal: refused rather than guessed
    "127.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "127.0.0.01",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    " 8.8.8.8",
    // IPv6 outside 2000::/3
    "::",
    "::1",
    "0:0:0:0:0:0:0:1",
    "0000:0000:0000:0000:0000:0000:0000:0001",
    "::127.0.0.1", // IPv4-compatible
    "::7f00:1",
    "::8.8.8.8", // IPv4-compatible, even of a public address
    "::ffff:0:127.0.0.1", // SIIT
    "::ffff:0:808:808",
    "64:ff9b::7f00:1", // NAT64
    "64:ff9b::8.8.8.8",
    "64:ff9b:1::1",
    "100::1", // discard-only
    "fc00::1",
    "fd00::1",
    "fe80::1",
    "FE80::1",
    "febf:ffff::1",
    "fec0::1", // site-local
    "ff02::1",
    "ff0e::1",
    "4000::1",
    "5f01::1",
    "e000::1",
    // IPv4-mapped: judged by the IPv4 address it carries
    "::ffff:127.0.0.1",
    "::FFFF:7F00:1",
    "0:0:0:0:0:ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    // special purpose inside 2000::/3
    "2001::1", // Teredo
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:2::1", // benchmarking
    "2001:10::1", // ORCHID
    "2001:1ff:ffff::1", // last of 2001::/23
    "2001:db8::1",
    "2001:DB8:0:0:0:0:0:1",
    "3fff::1",
    "3fff:fff:ffff::1",
    "5f00::1",
    "2002:7f00:1::", // 6to4 of 127.0.0.1
    "2002:a00:1::1", // 6to4 of 10.0.0.1
    "2002:c0a8:101::1", // 6to4 of 192.168.1.1
    "2002:a9fe:a9fe::1", // 6to4 of 169.254.169.254
    "2002::1", // 6to4 of 0.0.0.0
    // zone ids, brackets and malformed text
    "fe80::1%eth0",
    "fe80::1%1",
    "2606:4700::1111%eth0",
    "[2606:4700::1111]",
    "1::2::3",
    "12345::1",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    ":1::",
    "1::2:",
    ":::",
    "gggg::1",
    "::ffff:1.2.3",
    "::ffff:1.2.3.04",
    "1:2:3:4:5:6:7:1.2.3.4",
    "",
    "not-an-address",
  ])("%j is refused", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  test.each([
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "192.0.1.1",
    "192.88.98.1",
    "198.17.255.255",
    "198.20.0.1",
    "223.255.255.255",
    "2606:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2001:4860:4860::8888",
    "2001:200::1", // just past 2001::/23
    "2001:db9::1",
    "3fff:1000::1", // just past 3fff::/20
    "3ffe::1",
    "3fff:ffff::1",
    "2002:808:808::1", // 6to4 of 8.8.8.8
    "2606:4700:0:0:0:0:0:1111",
    "2606:4700:0000:0000:0000:0000:0000:1111",
    "2606:4700::1.1.1.1",
    "::ffff:8.8.8.8",
    "::FFFF:808:808",
  ])("%j is public", (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe("parseIPv6", () => {
  test.each([
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["1::", "00010000000000000000000000000000"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["ABCD:ef01::1", "abcdef01000000000000000000000001"],
    ["::ffff:1.2.3.4", "00000000000000000000ffff01020304"],
    ["::1.2.3.4", "00000000000000000000000001020304"],
    ["1::1.2.3.4", "00010000000000000000000001020304"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
  ])("%s", (text, hex) => {
    expect(Buffer.from(parseIPv6(text) ?? []).toString("hex")).toBe(hex);
  });
});

describe("resolveDestination and pinnedLookup", () => {
  const pinned: PinnedDestination = {
    hostname: "api.example.test",
    literal: false,
    addresses: [
      { address: "127.0.0.1", family: 4 },
      { address: "0:0:0:0:0:0:0:1", family: 6 },
    ],
  };

  test("answers with the checked addresses only, in both of net's lookup shapes", () => {
    const lookup = pinnedLookup(pinned);
    const answers: unknown[] = [];
    lookup("api.example.test", { all: true }, (err, addresses) => answers.push([err, addresses]));
    lookup("api.example.test", {}, (err, address, family) => answers.push([err, address, family]));
    lookup("api.example.test", { family: 6 }, (err, address, family) => answers.push([err, address, family]));
    lookup("other.example.test", {}, (err) => answers.push([(err as NodeJS.ErrnoException).code]));
    expect(answers).toEqual([
      [null, pinned.addresses],
      [null, "127.0.0.1", 4],
      [null, "0:0:0:0:0:0:0:1", 6],
      ["ENOTFOUND"],
    ]);
  });

  test("net.connect dials the pinned address (with and without happy eyeballs)", async () => {
    const listener = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as AddressInfo).port;
    try {
      for (const autoSelectFamily of [true, false]) {
        const socket = connect({
          host: "api.example.test",
          port,
          autoSelectFamily,
          lookup: pinnedLookup({ ...pinned, addresses: [{ address: "127.0.0.1", family: 4 }] }),
        });
        const remote = await new Promise<string | undefined>((resolve, reject) => {
          socket.once("connect", () => resolve(socket.remoteAddress));
          socket.once("error", reject);
        });
        socket.destroy();
        expect(remote).toBe("127.0.0.1");
      }
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  test("resolves once, checks every answer, and pins canonical forms", async () => {
    const questions: string[] = [];
    const resolveHost = async (hostname: string) => {
      questions.push(hostname);
      return [
        { address: "2606:4700:0:0:0:0:0:1111", family: 6 },
        { address: "::FFFF:8.8.8.8", family: 6 },
      ];
    };
    const destination = await resolveDestination(new URL("https://api.example.test/v1"), {
      resolveHost,
      allowPrivate: false,
    });
    expect(destination).toEqual({
      hostname: "api.example.test",
      literal: false,
      addresses: [
        { address: "2606:4700:0:0:0:0:0:1111", family: 6 },
        { address: "8.8.8.8", family: 4 },
      ],
    });
    expect(questions).toEqual(["api.example.test"]);
    // IP literals are checked as they are: no question asked.
    await expect(
      resolveDestination(new URL("http://[::ffff:a00:1]/"), { resolveHost, allowPrivate: false }),
    ).rejects.toMatchObject({ code: "validation_error" });
    expect(questions).toHaveLength(1);
  });
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
