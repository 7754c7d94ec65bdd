// A key's requests per day as a small stacked bar chart: served, refused (401/403 after the key
// was recognised) and rate-limited (429), with a y axis, a few dates under it, and a tooltip for
// the day under the pointer or chosen with the arrow keys. A text summary serves screen readers.
import { type KeyboardEvent, type PointerEvent, useId, useState } from "react";
import { formatDay } from "../lib/dateFormat.ts";
import { DateOnly } from "./Time.tsx";

interface Day {
  day: string;
  count: number;
  refused: number;
  rate_limited: number;
}

const plural = (n: number, word: string) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
const all = (d: Day) => d.count + d.refused + d.rate_limited;

/** The smallest 1, 2 or 5 × 10ⁿ at or above `n`: a round top for the y axis. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

function describeDay(d: Day | undefined): string {
  if (!d) return "No days";
  return `${formatDay(d.day, { year: true })}: ${plural(d.count, "request")} served, ${d.refused} refused, ${d.rate_limited} rate-limited`;
}

/** A UTC day (YYYY-MM-DD) as an instant at its noon, so every time zone shows the same date. */
const noonOf = (day: string) => `${day}T12:00:00Z`;

export function UsageChart({
  days,
  total,
  refused,
  rateLimited,
}: {
  days: Day[];
  total: number;
  refused: number;
  rateLimited: number;
}) {
  const [active, setActive] = useState<number | null>(null);
  const tooltipId = useId();
  const width = 300;
  const height = 100;
  const top = Math.max(1, ...days.map(all));
  const yMax = niceCeiling(top);
  const slot = width / Math.max(1, days.length);
  const scale = (n: number) => (height * n) / yMax;
  const yTicks = yMax >= 2 && yMax % 2 === 0 ? [yMax, yMax / 2, 0] : [yMax, 0];
  // The first, middle and last days under the axis.
  const xTicks = days.length > 2 ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : days.map((_, i) => i);
  const busiest = days.reduce<Day | null>((best, d) => (all(d) > 0 && (!best || all(d) > all(best)) ? d : best), null);
  const turnedAway = [refused > 0 ? `${refused} refused` : null, rateLimited > 0 ? `${rateLimited} rate-limited` : null]
    .filter(Boolean)
    .join(", ");
  const overall =
    total + refused + rateLimited === 0
      ? `No requests in the last ${days.length} days`
      : `${plural(total, "request")} served in the last ${days.length} days${turnedAway ? ` (${turnedAway})` : ""}`;
  const summary = `${overall}${busiest ? `, most on ${formatDay(busiest.day, { year: true })} (${all(busiest)})` : ""}`;
  const shown = active === null ? null : days[active];

  function pointAt(event: PointerEvent<HTMLDivElement>) {
    const box = event.currentTarget.getBoundingClientRect();
    const index = Math.floor(((event.clientX - box.left) / box.width) * days.length);
    setActive(Math.min(days.length - 1, Math.max(0, index)));
  }

  function step(event: KeyboardEvent<HTMLDivElement>) {
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key === "Home") setActive(0);
    else if (event.key === "End") setActive(days.length - 1);
    else if (event.key === "Escape") setActive(null);
    else if (moves[event.key] !== undefined) {
      setActive((current) =>
        Math.min(days.length - 1, Math.max(0, (current ?? days.length - 1) + (moves[event.key] ?? 0))),
      );
    } else return;
    event.preventDefault();
  }

  return (
    <figure className="usage-chart">
      <div className="chart-frame">
        <div className="y-ticks" aria-hidden="true">
          {yTicks.map((tick) => (
            <span key={tick} className="y-tick" style={{ top: `${100 - (100 * tick) / yMax}%` }}>
              {tick.toLocaleString()}
            </span>
          ))}
        </div>
        <div className="plot">
          <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={summary}>
            {yTicks.map((tick) => (
              <line
                key={tick}
                x1="0"
                x2={width}
                y1={height - scale(tick)}
                y2={height - scale(tick)}
                className={tick === 0 ? "axis" : "grid"}
              />
            ))}
            {days.map((d, index) => {
              // Stacked from the axis up: served, then refused, then rate-limited.
              const parts = [
                { value: d.count, className: "bar" },
                { value: d.refused, className: "bar bar-refused" },
                { value: d.rate_limited, className: "bar bar-limited" },
              ];
              let base = height;
              return (
                <g key={d.day} className={index === active ? "day active" : "day"}>
                  {parts.map((part) => {
                    if (part.value === 0) return null;
                    const h = Math.max(1.5, scale(part.value));
                    base -= h;
                    return (
                      <rect
                        key={part.className}
                        x={index * slot + slot * 0.15}
                        width={slot * 0.7}
                        y={base}
                        height={h}
                        className={part.className}
                      />
                    );
                  })}
                </g>
              );
            })}
          </svg>
          {/* Over the picture, a slider through its days: the arrow keys (or the pointer) pick a day, read out and shown in the tooltip. */}
          <div
            className="plot-cursor"
            role="slider"
            tabIndex={0}
            aria-label="Requests per day (arrow keys: day by day)"
            aria-valuemin={1}
            aria-valuemax={days.length}
            aria-valuenow={(active ?? days.length - 1) + 1}
            aria-valuetext={describeDay(days[active ?? days.length - 1])}
            aria-describedby={shown ? tooltipId : undefined}
            onPointerMove={pointAt}
            onPointerLeave={() => setActive(null)}
            onFocus={() => setActive((current) => current ?? days.length - 1)}
            onBlur={() => setActive(null)}
            onKeyDown={step}
          >
            {shown && active !== null && (
              <div
                className={`chart-tooltip${active < days.length / 4 ? " start" : active > (days.length * 3) / 4 ? " end" : ""}`}
                role="tooltip"
                id={tooltipId}
                style={{ left: `${((active + 0.5) * 100) / days.length}%` }}
              >
                <strong>
                  <DateOnly iso={noonOf(shown.day)} />
                </strong>
                <span>{plural(shown.count, "request")} served</span>
                <span>{shown.refused.toLocaleString()} refused</span>
                <span>{shown.rate_limited.toLocaleString()} rate-limited</span>
              </div>
            )}
          </div>
        </div>
        <div className="x-ticks" aria-hidden="true">
          {xTicks.map((index) => {
            const d = days[index];
            if (!d) return null;
            const edge = index === 0 ? "start" : index === days.length - 1 ? "end" : "middle";
            return (
              <span
                key={d.day}
                className={`x-tick ${edge}`}
                style={edge === "middle" ? { left: `${((index + 0.5) * 100) / days.length}%` } : undefined}
              >
                <DateOnly iso={noonOf(d.day)} />
              </span>
            );
          })}
        </div>
      </div>
      <figcaption>
        {overall}
        {busiest && (
          <>
            , most on <DateOnly iso={noonOf(busiest.day)} /> ({all(busiest)})
          </>
        )}
        {(refused > 0 || rateLimited > 0) && (
          <span className="usage-legend" aria-hidden="true">
            <span className="legend-swatch bar" /> served <span className="legend-swatch bar-refused" /> refused{" "}
            <span className="legend-swatch bar-limited" /> rate-limited
          </span>
        )}
      </figcaption>
    </figure>
  );
}
