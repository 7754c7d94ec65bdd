// A key's requests per day as a small bar chart (a picture, with a text summary for screen readers).
export function UsageChart({ days, total }: { days: { day: string; count: number }[]; total: number }) {
  const width = 300;
  const height = 90;
  const top = 8;
  const bottom = 18;
  const max = Math.max(1, ...days.map((d) => d.count));
  const slot = width / Math.max(1, days.length);
  const busiest = days.reduce<{ day: string; count: number } | null>(
    (best, d) => (d.count > 0 && (!best || d.count > best.count) ? d : best),
    null,
  );
  const summary =
    total === 0
      ? `No requests in the last ${days.length} days`
      : `${total} request${total === 1 ? "" : "s"} in the last ${days.length} days${busiest ? `, most on ${busiest.day} (${busiest.count})` : ""}`;
  return (
    <figure className="usage-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1="0" x2={width} y1={height - bottom} y2={height - bottom} className="axis" />
        {days.map((d, index) => {
          const barHeight = d.count === 0 ? 0 : Math.max(2, ((height - top - bottom) * d.count) / max);
          return (
            <rect
              key={d.day}
              x={index * slot + slot * 0.15}
              width={slot * 0.7}
              y={height - bottom - barHeight}
              height={barHeight}
              className="bar"
            >
              <title>{`${d.day}: ${d.count} request${d.count === 1 ? "" : "s"}`}</title>
            </rect>
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
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
