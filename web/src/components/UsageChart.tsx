// A key's requests per day as a small stacked bar chart: served, refused (401/403 after the key
// was recognised) and rate-limited (429). A picture, with a text summary for screen readers.
interface Day {
  day: string;
  count: number;
  refused: number;
  rate_limited: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

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
  const width = 300;
  const height = 90;
  const top = 8;
  const bottom = 18;
  const all = (d: Day) => d.count + d.refused + d.rate_limited;
  const max = Math.max(1, ...days.map(all));
  const slot = width / Math.max(1, days.length);
  const scale = (n: number) => ((height - top - bottom) * n) / max;
  const busiest = days.reduce<Day | null>((best, d) => (all(d) > 0 && (!best || all(d) > all(best)) ? d : best), null);
  const turnedAway = [refused > 0 ? `${refused} refused` : null, rateLimited > 0 ? `${rateLimited} rate-limited` : null]
    .filter(Boolean)
    .join(", ");
  const summary =
    total + refused + rateLimited === 0
      ? `No requests in the last ${days.length} days`
      : `${plural(total, "request")} served in the last ${days.length} days${turnedAway ? ` (${turnedAway})` : ""}${
          busiest ? `, most on ${busiest.day} (${all(busiest)})` : ""
        }`;
  return (
    <figure className="usage-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1="0" x2={width} y1={height - bottom} y2={height - bottom} className="axis" />
        {days.map((d, index) => {
          // Stacked from the axis up: served, then refused, then rate-limited.
          const parts = [
            { value: d.count, className: "bar" },
            { value: d.refused, className: "bar bar-refused" },
            { value: d.rate_limited, className: "bar bar-limited" },
          ];
          let base = height - bottom;
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${plural(d.count, "request")} served, ${d.refused} refused, ${d.rate_limited} rate-limited`}</title>
              {parts.map((part) => {
                if (part.value === 0) return null;
                const h = Math.max(2, scale(part.value));
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
        <text x="0" y={height - 4} className="tick">
          {days[0]?.day.slice(5)}
        </text>
        <text x={width} y={height - 4} className="tick" textAnchor="end">
          {days.at(-1)?.day.slice(5)}
        </text>
        <text x="0" y={top + 2} className="tick">
          max {max}/day
        </text>
      </svg>
      <figcaption>
        {summary}
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
