// The portal's one way of writing dates and times, used by every date it shows:
// absolute "28 Nov 2026, 14:05" (the person's time zone, 24-hour clock), a date "28 Nov 2026",
// and relative "3 minutes ago" / "in 2 days". Pure functions of (date, now), so they are tested
// without a browser; components/Time.tsx renders them as <time> elements.

// The portal's words are English; one locale keeps the order and the month names the same for
// everyone (a browser set to en-US would otherwise write "Nov 28, 2026, 2:05 PM").
const LOCALE = "en-GB";

const dateTime = new Intl.DateTimeFormat(LOCALE, {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const exact = new Intl.DateTimeFormat(LOCALE, {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});
const dateOnly = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric" });
// Calendar days ("2026-11-28", as the usage figures count them) are no instants: written in UTC,
// where they were parsed, so no time zone moves them to the day before.
const day = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", timeZone: "UTC" });
const dayWithYear = new Intl.DateTimeFormat(LOCALE, {
  day: "numeric",
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: "auto" });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Within this of now, either way, a time reads "just now" (clocks a little apart, a request in flight). */
export const JUST_NOW_MS = MINUTE;
/** Past this, an event reads as its date ("28 Oct 2026") rather than "last month". */
export const RELATIVE_LIMIT_MS = 30 * DAY;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * DAY],
  ["month", 30 * DAY],
  ["week", 7 * DAY],
  ["day", DAY],
  ["hour", HOUR],
  ["minute", MINUTE],
];

type DateLike = Date | string | number;

function toDate(value: DateLike): Date {
  return value instanceof Date ? value : new Date(value);
}

/** "28 Nov 2026, 14:05" */
export function formatDateTime(value: DateLike): string {
  return dateTime.format(toDate(value));
}

/** "28 Nov 2026, 14:05:33 CET": the whole instant, for a tooltip. */
export function formatExact(value: DateLike): string {
  return exact.format(toDate(value));
}

/** "28 Nov 2026" */
export function formatDate(value: DateLike): string {
  return dateOnly.format(toDate(value));
}

/** A calendar day "2026-11-28" as "28 Nov" (or "28 Nov 2026" with the year), whatever the time zone. */
export function formatDay(isoDay: string, { year = false }: { year?: boolean } = {}): string {
  const date = new Date(`${isoDay}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDay;
  return (year ? dayWithYear : day).format(date);
}

/**
 * Either way from now: "3 minutes ago", "in 2 days", "yesterday"; within a minute of now,
 * "just now". For times that may lie ahead (an expiry); for things that happened, formatAgo.
 */
export function formatRelative(value: DateLike, now: number = Date.now()): string {
  const diff = toDate(value).getTime() - now;
  if (Math.abs(diff) < JUST_NOW_MS) return "just now";
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return relative.format(Math.trunc(diff / size), unit);
  }
  return "just now";
}

/**
 * When something happened: "3 minutes ago". A time ahead of the browser's clock can only be the
 * server's clock running ahead, so it reads "just now", never "in a few seconds".
 */
export function formatAgo(value: DateLike, now: number = Date.now()): string {
  return formatRelative(Math.min(toDate(value).getTime(), now), now);
}

/**
 * How long is left until an instant, in words ("59 more minutes"), for notices that pair it with
 * the exact time; rounded down, so it never promises more than is left.
 */
export function formatTimeLeft(value: DateLike, now: number = Date.now()): string {
  const left = toDate(value).getTime() - now;
  const more = (n: number, unit: string) => `${n} more ${unit}${n === 1 ? "" : "s"}`;
  if (left < MINUTE) return "less than a minute";
  if (left < HOUR) return more(Math.floor(left / MINUTE), "minute");
  if (left < 48 * HOUR) return more(Math.floor(left / HOUR), "hour");
  return more(Math.floor(left / DAY), "day");
}
