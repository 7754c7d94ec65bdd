import { describe, expect, test } from "vitest";
import { clientBucket } from "./unknownKeys.ts";

describe("clientBucket", () => {
  test("IPv4 addresses count alone, IPv4-mapped ones as the IPv4 address", () => {
    expect(clientBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(clientBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  test("IPv6 addresses count by their /64, whatever the notation", () => {
    expect(clientBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(clientBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientBucket("::1")).toBe("0:0:0:0::/64");
  });
});
