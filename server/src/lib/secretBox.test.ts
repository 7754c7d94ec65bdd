import { describe, expect, test } from "vitest";
import { openSecret, sealSecret } from "./secretBox.ts";

const SECRET = "a-server-secret-that-is-long-enough-0123456789";

describe("secretBox", () => {
  test("round-trips, and the sealed form does not contain the plaintext", () => {
    const sealed = sealSecret(SECRET, "Bearer top-secret-value", "user-1");
    expect(sealed.startsWith("v1:")).toBe(true);
    expect(sealed).not.toContain("top-secret");
    expect(openSecret(SECRET, sealed, "user-1")).toBe("Bearer top-secret-value");
  });

  test("a fresh IV each time", () => {
    expect(sealSecret(SECRET, "same", "ctx")).not.toBe(sealSecret(SECRET, "same", "ctx"));
  });

  test("refuses another context, another server secret, and tampering", () => {
    const sealed = sealSecret(SECRET, "value", "user-1");
    expect(() => openSecret(SECRET, sealed, "user-2")).toThrow();
    expect(() => openSecret(`${SECRET}x`, sealed, "user-1")).toThrow();
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw[14] = (raw[14] ?? 0) ^ 1;
    expect(() => openSecret(SECRET, `v1:${raw.toString("base64url")}`, "user-1")).toThrow();
    expect(() => openSecret(SECRET, "v0:abc", "user-1")).toThrow();
  });
});
