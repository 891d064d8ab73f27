/**
 * The benchmark's chart: Cognito-phase time against N on log–log axes, beside
 * the quota floor. Pure: results in, SVG text out.
 */
import type { BenchResult } from "./measure.js";

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 50 };

function scale(value: number, min: number, max: number, from: number, to: number): number {
  const t = (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
  return from + t * (to - from);
}

function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) out.push(10 ** p);
  return out;
}

export function renderChart(results: readonly BenchResult[]): string {
  const ns = results.map((r) => r.n);
  const times = results.flatMap((r) => [r.cognitoPhaseMs, r.floorMs]).filter((t) => t > 0);
  const [nMin, nMax] = [Math.min(...ns) / 2, Math.max(...ns) * 2];
  const [tMin, tMax] = [Math.min(...times) / 2, Math.max(...times) * 2];
  const x = (n: number) => scale(n, nMin, nMax, MARGIN.left, WIDTH - MARGIN.right);
  const y = (t: number) => scale(t, tMin, tMax, HEIGHT - MARGIN.bottom, MARGIN.top);
  const line = (values: number[], color: string, dash = "") =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ""} points="${results
      .map((r, i) => `${x(r.n).toFixed(1)},${y(values[i]!).toFixed(1)}`)
      .join(" ")}"/>`;
  const dots = (values: number[], color: string) =>
    results.map((r, i) => `<circle cx="${x(r.n).toFixed(1)}" cy="${y(values[i]!).toFixed(1)}" r="3.5" fill="${color}"/>`).join("");
  const xTicks = decades(nMin, nMax).filter((v) => v >= nMin && v <= nMax);
  const yTicks = decades(tMin, tMax).filter((v) => v >= tMin && v <= tMax);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">Cognito phase against users in the manifest (log–log)</text>
${xTicks.map((v) => `<line x1="${x(v)}" x2="${x(v)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#eee"/><text x="${x(v)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${v}</text>`).join("\n")}
${yTicks.map((v) => `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`).join("\n")}
<text x="${WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle">users in the manifest (pool: 10% more)</text>
${line(
  results.map((r) => r.floorMs),
  "#999",
  "6 4",
)}${dots(
    results.map((r) => r.floorMs),
    "#999",
  )}
${line(
  results.map((r) => r.cognitoPhaseMs),
  "#1f6feb",
)}${dots(
    results.map((r) => r.cognitoPhaseMs),
    "#1f6feb",
  )}
<text x="${MARGIN.left + 10}" y="${MARGIN.top + 14}" fill="#1f6feb">measured</text>
<text x="${MARGIN.left + 10}" y="${MARGIN.top + 30}" fill="#777">quota floor (30 ListUsers a second)</text>
</svg>
`;
}
