// How long is left until an instant, in words ("59 more minutes"), for notices that pair it with
// the exact time; rounded down, so it never promises more than is left.
const plural = (n: number, unit: string) => `${n} more ${unit}${n === 1 ? "" : "s"}`;

export function timeLeft(iso: string, now = Date.now()): string {
  const minutes = Math.floor((new Date(iso).getTime() - now) / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, "hour");
  return plural(Math.floor(hours / 24), "day");
}
