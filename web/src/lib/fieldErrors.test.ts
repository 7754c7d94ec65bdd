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

  test("a number's bound reads as what the field must be", () => {
    expect(plainMessage("Temperature", "Too big: expected number to be <=2")).toBe("Must be 2 or less.");
    expect(plainMessage("Temperature", "Too big: expected number to be <2")).toBe("Must be less than 2.");
    expect(plainMessage("Max iterations", "Too small: expected number to be >=1")).toBe("Must be 1 or more.");
    expect(plainMessage("Temperature", "Too small: expected number to be >0.5")).toBe("Must be more than 0.5.");
    expect(plainMessage("Offset", "Too small: expected number to be >=-10")).toBe("Must be -10 or more.");
  });

  test("a string's bound keeps its wording about the field", () => {
    expect(plainMessage("Name", "Too big: expected string to have <=200 characters")).toBe(
      "Name must be at most 200 characters.",
    );
  });

  test("anything else becomes a sentence, never 'field: message'", () => {
    expect(plainMessage("Role", "you cannot remove your own administrator role")).toBe(
      "You cannot remove your own administrator role.",
    );
  });
});
