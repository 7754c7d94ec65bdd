import { describe, expect, test } from "vitest";
import { plainMessage } from "./fieldErrors.ts";

describe("the server's validation messages in plain words", () => {
  test("a message that reads on from the field's name starts with its label", () => {
    expect(plainMessage("Current password", "is not correct")).toBe("Current password is not correct.");
    expect(plainMessage("Expires", "must be in the future")).toBe("Expires must be in the future.");
  });

  test("known wordings are rewritten", () => {
    expect(plainMessage("Email", "a user with this email already exists")).toBe(
      "Someone already has an account with this email address.",
    );
    expect(plainMessage("Initial password", "Too small: expected string to have >=12 characters")).toBe(
      "Initial password must be at least 12 characters.",
    );
    expect(plainMessage("Email", "Invalid email address")).toBe("Enter a whole email address, like ada@example.com.");
  });

  test("anything else becomes a sentence, never 'field: message'", () => {
    expect(plainMessage("Role", "you cannot remove your own administrator role")).toBe(
      "You cannot remove your own administrator role.",
    );
  });
});
