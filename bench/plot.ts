// The SVG plot of the open-loop runs: p50 and p99 latency against the offered rate, for meshtune
// and both baselines, on log scales (rates double from point to point; latencies span decades).

/** One server's line: latency (ms) at each offered rate. */
export interface Series {
  name: string;
  color: string;
  points: { rate: number; p50Ms: number; p99Ms: number }[];
}

const WIDTH = 760;
const HEIGHT = 460;
const MARGIN = { left: 70, right: 200, top: 50, bottom: 60 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Powers of ten from below `min` to above `max`, as axis ticks with 2 and 5 between. */
function decades(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) {
    for (const step of [1, 2, 5]) ticks.push(step * 10 ** power);
  }
  return ticks.filter((tick) => tick >= min * 0.999 && tick <= max * 1.001);
}

function logScale(min: number, max: number, length: number, flip: boolean) {
  const span = Math.log(max) - Math.log(min);
  return (value: number) => {
    const share = (Math.log(value) - Math.log(min)) / span;
    return (flip ? 1 - share : share) * length;
  };
}

const label = (ms: number) => (ms >= 1 ? String(ms) : ms.toFixed(ms >= 0.1 ? 1 : 2));

function axes(
  rates: number[],
  ticks: number[],
  x: (v: number) => number,
  y: (v: number) => number,
) {
  const parts = [
    `<rect x="0" y="0" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of ticks) {
    parts.push(
      `<line x1="0" x2="${PLOT_W}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e4e4e4"/>`,
      `<text x="-8" y="${y(tick) + 4}" text-anchor="end">${label(tick)}</text>`,
    );
  }
  for (const rate of rates) {
    parts.push(
      `<line x1="${x(rate)}" x2="${x(rate)}" y1="0" y2="${PLOT_H}" stroke="#e4e4e4"/>`,
      `<text x="${x(rate)}" y="${PLOT_H + 18}" text-anchor="middle">${rate.toLocaleString("en")}</text>`,
    );
  }
  parts.push(
    `<text x="${PLOT_W / 2}" y="${PLOT_H + 42}" text-anchor="middle">offered rate, reviews per second (fixed schedule, one server core)</text>`,
    `<text transform="translate(-52 ${PLOT_H / 2}) rotate(-90)" text-anchor="middle">latency, ms (log scale)</text>`,
  );
  return parts;
}

function line(
  series: Series,
  key: "p50Ms" | "p99Ms",
  x: (v: number) => number,
  y: (v: number) => number,
) {
  const points = series.points.map((p) => `${x(p.rate).toFixed(1)},${y(p[key]).toFixed(1)}`);
  const dash = key === "p99Ms" ? ' stroke-dasharray="6 4"' : "";
  const dots = series.points.map(
    (p) =>
      `<circle cx="${x(p.rate).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3" fill="${series.color}"/>`,
  );
  return [
    `<polyline points="${points.join(" ")}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`,
    ...dots,
  ];
}

function legend(series: Series[]): string[] {
  return series.flatMap((each, index) =>
    (["p50Ms", "p99Ms"] as const).map((key, k) => {
      const y = index * 44 + k * 18;
      const dash = key === "p99Ms" ? ' stroke-dasharray="6 4"' : "";
      return [
        `<line x1="${PLOT_W + 16}" x2="${PLOT_W + 46}" y1="${y}" y2="${y}" stroke="${each.color}" stroke-width="2"${dash}/>`,
        `<text x="${PLOT_W + 52}" y="${y + 4}">${escape(each.name)} ${key === "p50Ms" ? "p50" : "p99"}</text>`,
      ].join("");
    }),
  );
}

/** The plot as an SVG document. */
export function latencyPlot(title: string, subtitle: string, series: Series[]): string {
  const rates = [...new Set(series.flatMap((s) => s.points.map((p) => p.rate)))].sort(
    (a, b) => a - b,
  );
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.p50Ms, p.p99Ms]));
  // The axis spans every point, with room around them; ticks fall within it.
  const low = Math.min(...values) / 1.5;
  const high = Math.max(...values) * 1.5;
  const ticks = decades(low, high);
  const x = logScale(rates[0]! / 1.3, rates.at(-1)! * 1.3, PLOT_W, false);
  const y = logScale(low, high, PLOT_H, true);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
    `<text x="${MARGIN.left}" y="40" fill="#555">${escape(subtitle)}</text>`,
    `<g transform="translate(${MARGIN.left} ${MARGIN.top})">`,
    ...axes(rates, ticks, x, y),
    ...series.flatMap((s) => [...line(s, "p50Ms", x, y), ...line(s, "p99Ms", x, y)]),
    ...legend(series),
    "</g>",
    "</svg>",
    "",
  ].join("\n");
}
