import { describe, expect, it, test } from "vitest";
import { formatAgo, formatDate, formatDateTime, formatDay, formatRelative, formatTimeLeft } from "./dateFormat.ts";

// Built from local fields, so the expectations hold in any time zone the tests run in.
const at = new Date(2026, 10, 28, 14, 5, 33);
const now = at.getTime();
const seconds = (n: number) => now + n * 1000;
const minutes = (n: number) => seconds(n * 60);
const days = (n: number) => minutes(n * 24 * 60);

describe("absolute dates", () => {
  it("writes one format: day, short month, year, 24-hour time", () => {
    expect(formatDateTime(at)).toBe("28 Nov 2026, 14:05");
    expect(formatDateTime(at.toISOString())).toBe("28 Nov 2026, 14:05");
    expect(formatDateTime(new Date(2026, 0, 3, 9, 7))).toBe("3 Jan 2026, 09:07");
    expect(formatDate(at)).toBe("28 Nov 2026");
  });

  it("writes a calendar day as that day in every time zone", () => {
    expect(formatDay("2026-11-28")).toBe("28 Nov");
    expect(formatDay("2026-01-01", { year: true })).toBe("1 Jan 2026");
    expect(formatDay("not a day")).toBe("not a day");
  });
});

describe("relative times", () => {
  it("reads the past and the future in words", () => {
    expect(formatRelative(minutes(-3), now)).toBe("3 minutes ago");
    expect(formatRelative(minutes(-90), now)).toBe("1 hour ago");
    expect(formatRelative(days(-1), now)).toBe("yesterday");
    expect(formatRelative(days(2), now)).toBe("in 2 days");
    expect(formatRelative(minutes(59), now)).toBe("in 59 minutes");
    expect(formatRelative(days(-400), now)).toBe("last year");
  });

  it("calls anything within a minute either way 'just now'", () => {
    for (const offset of [-59, -5, 0, 5, 59]) expect(formatRelative(seconds(offset), now)).toBe("just now");
    expect(formatRelative(seconds(-61), now)).toBe("1 minute ago");
    expect(formatRelative(seconds(61), now)).toBe("in 1 minute");
  });

  it("never puts something that happened in the future (the server's clock ahead of the browser's)", () => {
    expect(formatAgo(seconds(4), now)).toBe("just now");
    expect(formatAgo(minutes(10), now)).toBe("just now");
    expect(formatAgo(minutes(-10), now)).toBe("10 minutes ago");
  });
});

describe("formatTimeLeft", () => {
  const now = Date.parse("2026-11-28T13:05:30Z");
  const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
  test.each([
    [3599, "59 more minutes"],
    [61, "1 more minute"],
    [30, "less than a minute"],
    [-5, "less than a minute"],
    [23 * 3600 + 59 * 60, "23 more hours"],
    [7 * 86_400 - 10, "6 more days"],
  ])("%i seconds left reads %s", (seconds, words) => {
    expect(formatTimeLeft(at(seconds), now)).toBe(words);
  });
});
