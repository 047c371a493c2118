// Small SVG charts drawn by hand (no library): stacked/simple vertical bars, horizontal bars, donut.
// Each chart is an <svg role="img"> with <title>/<desc>, per-mark <title> tooltips, and a data table
// (in a <details>) so the figures are available to screen readers and keyboard users.
import { h, s, newId } from "./dom.js";
import { number } from "./fmt.js";

export const PALETTE = {
  blue: "#00589c", green: "#4f9a23", orange: "#e27d12", teal: "#0f8b8d", purple: "#6a4c93", red: "#c0392b",
  grey: "#8a99a8", navy: "#0b2e4f", light: "#7fb2da",
};

function niceMax(v) {
  if (v <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  const f = v / exp;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * exp;
}

/** Gridline values for counts: whole-number steps of 1, 2 or 5 × 10^k, covering `max`. */
function ticks(max, n = 4) {
  const raw = Math.max(max, 1) / n;
  const exp = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / exp;
  const step = Math.max(1, (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * exp);
  const count = Math.max(1, Math.ceil(max / step));
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

function shortNum(v) {
  if (v >= 1e9) return `${+(v / 1e9).toFixed(1)} M`;
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)} jt`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)} rb`;
  return number(Math.round(v * 100) / 100);
}

function frame(title, desc, width, height, cls) {
  const tid = newId("ct");
  const did = newId("cd");
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: `chart ${cls || ""}`, role: "img",
    "aria-labelledby": `${tid} ${did}`, preserveAspectRatio: "xMidYMid meet" },
  s("title", { id: tid }, title), s("desc", { id: did }, desc));
  return svg;
}

function dataTable(caption, head, rows) {
  return h("details", { class: "chart-data" }, h("summary", {}, "Tampilkan data"),
    h("div", { class: "table-wrap" }, h("table", { class: "table table-compact" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c)
        : h("td", { class: "num" }, c)))))))));
}

function legend(series) {
  return h("ul", { class: "chart-legend" }, series.map((sr) => h("li", {},
    s("svg", { class: "swatch", viewBox: "0 0 12 12", width: 12, height: 12, "aria-hidden": "true", focusable: "false" },
      s("rect", { width: 12, height: 12, rx: 2, fill: sr.color })), sr.label)));
}

function yAxis(svg, { left, top, plotH, plotW, max, fmtTick = shortNum }) {
  const ts = ticks(max);
  const top2 = ts[ts.length - 1];
  for (const t of ts) {
    const y = top + plotH - (t / top2) * plotH;
    svg.append(s("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: t === 0 ? "axis" : "grid" }),
      s("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "tick" }, fmtTick(t)));
  }
  return top2;
}

/**
 * Vertical bars, optionally stacked. categories: [{label, values: {seriesKey: n}}]; series: [{key,label,color}].
 */
export function barChart({ title, desc, categories, series, width = 720, height = 280, valueLabel = "Jumlah",
  fmtValue = number, showValues = false, labelEvery }) {
  const left = 48; const right = 12; const top = 16; const bottom = 44;
  const plotW = width - left - right; const plotH = height - top - bottom;
  const svg = frame(title, desc, width, height, "chart-bars");
  const totals = categories.map((c) => series.reduce((a, sr) => a + (Number(c.values[sr.key]) || 0), 0));
  const max = yAxis(svg, { left, top, plotH, plotW, max: Math.max(1, ...totals) });
  const n = Math.max(1, categories.length);
  const slot = plotW / n;
  const barW = Math.max(2, Math.min(56, slot * 0.7));
  const every = labelEvery || Math.max(1, Math.ceil(n / 12));
  categories.forEach((c, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let y = top + plotH;
    for (const sr of series) {
      const v = Number(c.values[sr.key]) || 0;
      if (!v) continue;
      const bh = (v / max) * plotH;
      y -= bh;
      svg.append(s("rect", { x: x.toFixed(2), y: y.toFixed(2), width: barW.toFixed(2), height: Math.max(0.5, bh).toFixed(2),
        fill: sr.color, class: "bar", "data-series": sr.key, "data-value": v, rx: barW > 8 ? 2 : 0 },
      s("title", {}, `${c.label} · ${sr.label}: ${fmtValue(v)}`)));
    }
    if (showValues && totals[i]) {
      svg.append(s("text", { x: (x + barW / 2).toFixed(2), y: (y - 5).toFixed(2), "text-anchor": "middle", class: "value" },
        fmtValue(totals[i])));
    }
    if (i % every === 0) {
      svg.append(s("text", { x: (x + barW / 2).toFixed(2), y: top + plotH + 18, "text-anchor": "middle", class: "tick" }, c.label));
    }
  });
  const head = [valueLabel === "Jumlah" ? "Kategori" : valueLabel, ...series.map((sr) => sr.label), ...(series.length > 1 ? ["Total"] : [])];
  const rows = categories.map((c, i) => [c.label, ...series.map((sr) => fmtValue(Number(c.values[sr.key]) || 0)),
    ...(series.length > 1 ? [fmtValue(totals[i])] : [])]);
  return h("figure", { class: "chart-figure" }, svg, series.length > 1 ? legend(series) : null, dataTable(title, head, rows));
}

/** Horizontal bars with an optional capacity marker: rows [{label, value, cap?, sub?}]. */
export function hbarChart({ title, desc, rows, width = 520, color = PALETTE.blue, capLabel = "Kuota",
  valueLabel = "Nilai", fmtValue = number }) {
  const rowH = 34; const left = 150; const right = 60; const top = 10;
  const height = top + rows.length * rowH + 24;
  const plotW = width - left - right;
  const svg = frame(title, desc, width, Math.max(height, 60), "chart-hbars");
  const max = niceMax(Math.max(1, ...rows.map((r) => Math.max(Number(r.value) || 0, Number(r.cap) || 0))));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const w = ((Number(r.value) || 0) / max) * plotW;
    svg.append(s("text", { x: left - 10, y: y + 18, "text-anchor": "end", class: "label" }, r.label));
    svg.append(s("rect", { x: left, y: y + 6, width: plotW, height: 18, class: "track", rx: 3 }));
    svg.append(s("rect", { x: left, y: y + 6, width: Math.max(w, r.value ? 2 : 0).toFixed(2), height: 18, rx: 3,
      fill: r.cap && r.value >= r.cap ? PALETTE.red : color, class: "bar", "data-value": r.value },
    s("title", {}, `${r.label}: ${fmtValue(r.value)}${r.cap !== undefined ? ` dari ${capLabel.toLowerCase()} ${r.cap}` : ""}`)));
    if (r.cap !== undefined && r.cap !== null) {
      const cx = left + (Number(r.cap) / max) * plotW;
      svg.append(s("line", { x1: cx, x2: cx, y1: y + 2, y2: y + 28, class: "cap" }, s("title", {}, `${capLabel} ${r.cap}`)));
    }
    svg.append(s("text", { x: left + plotW + 8, y: y + 19, class: "value" },
      r.cap !== undefined ? `${fmtValue(r.value)}/${r.cap}` : fmtValue(r.value)));
  });
  const head = ["Operator", valueLabel, ...(rows.some((r) => r.cap !== undefined) ? [capLabel] : []),
    ...(rows.some((r) => r.sub !== undefined) ? ["Terselesaikan"] : [])];
  const tableRows = rows.map((r) => [r.label, fmtValue(r.value), ...(r.cap !== undefined ? [number(r.cap)] : []),
    ...(r.sub !== undefined ? [number(r.sub)] : [])]);
  return h("figure", { class: "chart-figure" }, svg, dataTable(title, head, tableRows));
}

/** A donut of parts [{label, value, color}] with a centre text. */
export function donutChart({ title, desc, parts, centre, centreSub, size = 220 }) {
  const svg = frame(title, desc, size, size, "chart-donut");
  const r = size / 2 - 18; const cx = size / 2; const cy = size / 2;
  const total = parts.reduce((a, p) => a + (Number(p.value) || 0), 0);
  const circ = 2 * Math.PI * r;
  svg.append(s("circle", { cx, cy, r, class: "donut-track" }));
  let offset = 0;
  if (total > 0) {
    for (const p of parts) {
      const v = Number(p.value) || 0;
      if (!v) continue;
      const len = (v / total) * circ;
      svg.append(s("circle", { cx, cy, r, fill: "none", stroke: p.color, "stroke-width": 26, class: "donut-part",
        "stroke-dasharray": `${len.toFixed(2)} ${(circ - len).toFixed(2)}`, "stroke-dashoffset": (-offset).toFixed(2),
        transform: `rotate(-90 ${cx} ${cy})`, "data-value": v },
      s("title", {}, `${p.label}: ${number(v)} (${((100 * v) / total).toFixed(1)}%)`)));
      offset += len;
    }
  }
  svg.append(s("text", { x: cx, y: cy + 4, "text-anchor": "middle", class: "donut-centre" }, centre));
  if (centreSub) svg.append(s("text", { x: cx, y: cy + 26, "text-anchor": "middle", class: "donut-sub" }, centreSub));
  const series = parts.map((p, i) => ({ key: `p${i}`, label: `${p.label}: ${number(p.value)}`, color: p.color }));
  return h("figure", { class: "chart-figure chart-figure-donut" }, svg, legend(series),
    dataTable(title, ["Kategori", "Jumlah"], parts.map((p) => [p.label, number(p.value)])));
}
