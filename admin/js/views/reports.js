// Laporan: GET /ops/reports/summary?from=&to= rendered as KPI tiles and SVG charts.
import { h, replace } from "../dom.js";
import { get } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, field, announce, downloadFile } from "../ui.js";
import { barChart, hbarChart, donutChart, PALETTE } from "../charts.js";

const KIND_SERIES = [
  { key: "consultation", label: "Konsultasi", color: PALETTE.blue },
  { key: "data_order", label: "Permintaan data", color: PALETTE.green },
  { key: "complaint", label: "Pengaduan", color: PALETTE.orange },
];

function kpi(labelText, value, sub, id) {
  return h("div", { class: "kpi", id }, h("span", { class: "kpi-label" }, labelText),
    h("span", { class: "kpi-value" }, value), sub ? h("span", { class: "kpi-sub" }, sub) : null);
}

/** Daily counts → buckets (days; weeks when the period is long; months when very long). */
function bucketDays(byDay, from, to) {
  const days = [];
  for (let d = from; d <= to && days.length < 500; d = fmt.addDays(d, 1)) days.push(d);
  const mode = days.length > 200 ? "month" : days.length > 62 ? "week" : "day";
  const buckets = new Map();
  for (const d of days) {
    const key = mode === "month" ? d.slice(0, 7) : mode === "week" ? fmt.mondayOf(d) : d;
    if (!buckets.has(key)) buckets.set(key, {});
    const b = buckets.get(key);
    for (const [k, v] of Object.entries(byDay[d] || {})) b[k] = (b[k] || 0) + Number(v || 0);
  }
  const monthFmt = new Intl.DateTimeFormat("id-ID", { month: "short", year: "2-digit", timeZone: "UTC" });
  return {
    mode,
    categories: [...buckets.entries()].map(([key, values]) => ({
      label: mode === "month" ? monthFmt.format(new Date(`${key}-01T00:00:00Z`))
        : mode === "week" ? `${fmt.dayHeading(key).date}` : fmt.dayHeading(key).date,
      values,
    })),
  };
}

export async function render(view, _params, ctx) {
  const today = fmt.localDay();
  const from = h("input", { type: "date", name: "from", id: "report-from", value: fmt.addDays(today, -29), max: today });
  const to = h("input", { type: "date", name: "to", id: "report-to", value: today, max: today });
  const show = h("button", { type: "submit", class: "btn btn-primary", id: "report-show" }, "Tampilkan");
  const presets = h("div", { class: "chip-row", role: "group", "aria-label": "Periode cepat" },
    [["7 hari", 6], ["30 hari", 29], ["90 hari", 89], ["Tahun ini", null]].map(([t, n]) => {
      const b = h("button", { type: "button", class: "chip" }, t);
      b.addEventListener("click", () => {
        from.value = n === null ? `${today.slice(0, 4)}-01-01` : fmt.addDays(today, -n);
        to.value = today;
        form.requestSubmit();
      });
      return b;
    }));
  const csv = h("button", { type: "button", class: "btn btn-secondary", id: "report-csv" }, "Unduh buku besar PNBP (CSV)");
  const form = h("form", { class: "filters", "aria-label": "Periode laporan" },
    field("Dari tanggal", from), field("Sampai tanggal", to), h("div", { class: "field field-button" }, show), presets);
  const out = h("div", { id: "report-body", "aria-live": "polite" }, loading("Menyusun laporan…"));
  view.append(pageHeader("Laporan layanan", "Volume, waktu penyelesaian (hari kerja), capaian SLA, beban operator, "
    + "penilaian, dan penerimaan PNBP.", csv), form, out);

  async function load() {
    if (from.value > to.value) {
      replace(out, h("div", { class: "alert alert-error", role: "alert" }, "Gagal: tanggal awal harus sebelum tanggal akhir."));
      return;
    }
    replace(out, loading("Menyusun laporan…"));
    // the summary and the desk's tables load side by side; one failing does not hide the other
    const [data, desk] = await Promise.allSettled([get("/ops/reports/summary", { from: from.value, to: to.value }),
      get("/ops/reports/desk", { from: from.value, to: to.value })]);
    if (!ctx.isCurrent()) return;
    if (data.status === "fulfilled") draw(data.value, from.value, to.value);
    else replace(out, errorBox(data.reason, { retry: load }));
    out.append(desk.status === "fulfilled" ? deskTables(desk.value) : errorBox(desk.reason, { retry: load }));
    announce(`Laporan ${fmt.date(from.value)} sampai ${fmt.date(to.value)} ditampilkan.`);
  }

  function draw(d, a, b) {
    const vol = d.volumes || {};
    const ful = d.fulfilment_working_days || {};
    const sla = d.sla || {};
    const ratings = d.ratings || {};
    const rev = d.revenue || {};
    const ops = d.operators || [];
    const period = `${fmt.date(`${a}T12:00:00+07:00`)} – ${fmt.date(`${b}T12:00:00+07:00`)}`;

    const kpis = h("div", { class: "kpis", id: "report-kpis" },
      kpi("Total permintaan", fmt.number(vol.total || 0), `${fmt.number(d.complaints || 0)} pengaduan`, "kpi-total"),
      kpi("Median penyelesaian", ful.median === null || ful.median === undefined ? "—" : `${fmt.number(ful.median)} hari`,
        `P90 ${ful.p90 === null || ful.p90 === undefined ? "—" : fmt.number(ful.p90) + " hari"} · ${fmt.number(ful.count || 0)} selesai`, "kpi-median"),
      kpi("Capaian SLA", sla.attainment_pct === null || sla.attainment_pct === undefined ? "—" : `${fmt.number(sla.attainment_pct)}%`,
        `${fmt.number(sla.on_time || 0)} tepat waktu · ${fmt.number(sla.late || 0)} terlambat`, "kpi-sla"),
      kpi("Rata-rata penilaian", ratings.average === null || ratings.average === undefined ? "—" : `${fmt.number(ratings.average)} / 5`,
        `${fmt.number(ratings.count || 0)} penilaian`, "kpi-rating"),
      kpi("Penerimaan PNBP", fmt.rupiah(rev.pnbp_idr || 0), `${fmt.number(rev.paid_transactions || 0)} transaksi berbayar`, "kpi-revenue"));

    const daily = bucketDays(vol.by_day || {}, a, b);
    const volumeChart = barChart({
      title: `Volume permintaan per ${daily.mode === "day" ? "hari" : daily.mode === "week" ? "minggu" : "bulan"} menurut jenis`,
      desc: `Periode ${period}. Total ${fmt.number(vol.total || 0)} permintaan.`,
      categories: daily.categories, series: KIND_SERIES, valueLabel: "Tanggal", width: 900, height: 300,
    });

    const hist = ful.histogram || {};
    const histChart = barChart({
      title: "Distribusi waktu penyelesaian (hari kerja)",
      desc: `Jumlah permintaan terselesaikan menurut lama penyelesaian. Median ${ful.median ?? "—"}, P90 ${ful.p90 ?? "—"} hari kerja.`,
      categories: Object.entries(hist).map(([k, v]) => ({ label: `${k} hari`, values: { n: v } })),
      series: [{ key: "n", label: "Permintaan", color: PALETTE.blue }], valueLabel: "Lama", showValues: true,
      width: 520, height: 260,
    });

    const slaChart = donutChart({
      title: "Capaian SLA",
      desc: `${sla.on_time || 0} tepat waktu dan ${sla.late || 0} terlambat.`,
      parts: [{ label: "Tepat waktu", value: sla.on_time || 0, color: PALETTE.green },
        { label: "Terlambat", value: sla.late || 0, color: PALETTE.red }],
      centre: sla.attainment_pct === null || sla.attainment_pct === undefined ? "—" : `${fmt.number(sla.attainment_pct)}%`,
      centreSub: "tepat waktu",
    });

    const loadChart = hbarChart({
      title: "Beban per operator",
      desc: "Permintaan dalam proses per operator dibandingkan kuotanya.",
      rows: ops.map((o) => ({ label: o.name || o.operator_id, value: o.load || 0, cap: o.quota || 0, sub: o.delivered || 0 })),
      valueLabel: "Dalam proses",
    });

    const dist = ratings.distribution || {};
    const ratingChart = barChart({
      title: "Distribusi penilaian",
      desc: `Rata-rata ${ratings.average ?? "—"} dari ${ratings.count || 0} penilaian.`,
      categories: ["1", "2", "3", "4", "5"].map((k) => ({ label: `${k} ★`, values: { n: dist[k] || 0 } })),
      series: [{ key: "n", label: "Penilaian", color: PALETTE.orange }], valueLabel: "Skor", showValues: true,
      width: 520, height: 240,
    });

    const byT = vol.by_transaction_type || {};
    const ttypeChart = barChart({
      title: "Transaksi menurut jenis",
      desc: `Penerimaan PNBP ${fmt.rupiah(rev.pnbp_idr || 0)} dari ${rev.paid_transactions || 0} transaksi berbayar; `
        + `${rev.zero_rupiah_transactions || 0} transaksi nol rupiah.`,
      categories: Object.keys(fmt.TTYPE).map((k) => ({ label: fmt.TTYPE[k], values: { n: byT[k] || 0 } })),
      series: [{ key: "n", label: "Permintaan", color: PALETTE.purple }], valueLabel: "Jenis transaksi", showValues: true,
      width: 520, height: 240,
    });
    const byC = vol.by_channel || {};
    const channelChart = barChart({
      title: "Permintaan menurut saluran",
      desc: "Portal daring, telepon, surat, datang langsung, dan email.",
      categories: Object.keys(fmt.CHANNEL).map((k) => ({ label: fmt.CHANNEL[k], values: { n: byC[k] || 0 } })),
      series: [{ key: "n", label: "Permintaan", color: PALETTE.navy }], valueLabel: "Saluran", showValues: true,
      width: 520, height: 240,
    });

    replace(out,
      h("p", { class: "muted small report-period" }, `Periode ${period} (WIB).`),
      kpis,
      h("div", { class: "chart-grid" },
        h("section", { class: "card chart-card chart-wide", id: "chart-volume", "aria-label": "Volume per hari" },
          h("h2", { class: "card-title" }, "Volume permintaan"), volumeChart),
        h("section", { class: "card chart-card", id: "chart-fulfilment", "aria-label": "Waktu penyelesaian" },
          h("h2", { class: "card-title" }, "Waktu penyelesaian"), histChart),
        h("section", { class: "card chart-card", id: "chart-sla", "aria-label": "Capaian SLA" },
          h("h2", { class: "card-title" }, "Capaian SLA"), slaChart),
        h("section", { class: "card chart-card", id: "chart-load", "aria-label": "Beban operator" },
          h("h2", { class: "card-title" }, "Beban operator saat ini"), loadChart),
        h("section", { class: "card chart-card", id: "chart-ratings", "aria-label": "Penilaian" },
          h("h2", { class: "card-title" }, "Penilaian pemohon"), ratingChart),
        h("section", { class: "card chart-card", id: "chart-revenue", "aria-label": "Penerimaan" },
          h("h2", { class: "card-title" }, `Penerimaan PNBP · ${fmt.rupiah(rev.pnbp_idr || 0)}`), ttypeChart),
        h("section", { class: "card chart-card", id: "chart-channel", "aria-label": "Saluran" },
          h("h2", { class: "card-title" }, "Saluran penerimaan"), channelChart)));
  }

  // --- the desk's tables (GET /ops/reports/desk), each with its CSV (GET /ops/reports/csv/{table}) ----------
  const num = (v, unit = "") => (v === null || v === undefined ? "—" : `${fmt.number(v)}${unit}`);

  function table(id, caption, head, rows) {
    return h("div", { class: "table-wrap" }, h("table", { class: "table table-compact", id },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.length ? rows.map((r) => h("tr", {}, r.map((c, i) => h(i ? "td" : "th",
        i ? { "data-label": head[i] } : { scope: "row" }, c))))
        : h("tr", {}, h("td", { colspan: head.length, class: "muted" }, "Tidak ada data.")))));
  }

  function csvButton(name, label) {
    const b = h("button", { type: "button", class: "btn btn-ghost btn-small", id: `csv-${name}` }, `Unduh CSV`);
    b.setAttribute("aria-label", `Unduh CSV ${label}`);
    b.addEventListener("click", () => download(b, `/ops/reports/csv/${name}`, `laporan-${name}-${from.value}-${to.value}.csv`));
    return b;
  }

  function section(name, title, note, body) {
    return h("section", { class: "card", id: `desk-${name}`, "aria-label": title },
      h("div", { class: "card-head" }, h("h2", { class: "card-title" }, title), csvButton(name, title)),
      note ? h("p", { class: "muted small" }, note) : null, body);
  }

  function deskTables(d) {
    const times = (rows) => rows.map((r) => [r.kind_name, num(r.count), num(r.median, " hari"), num(r.p90, " hari")]);
    const a = d.approvals || {};
    const grade = (r) => (r.grade ? `${r.grade} (${r.performance})` : "—");
    return h("div", { class: "desk-report", id: "desk-report" },
      h("h2", { class: "section-title" }, "Kinerja layanan"),
      section("fulfilment", "Waktu penyelesaian per layanan", "Hari kerja, tanpa waktu menunggu pemohon.",
        table("table-fulfilment", "Waktu penyelesaian", ["Layanan", "Selesai", "Median", "P90"], times(d.fulfilment || []))),
      section("first_response", "Waktu tanggapan pertama", "Sampai balasan petugas pertama (atau penyelesaian).",
        table("table-first-response", "Tanggapan pertama", ["Layanan", "Jumlah", "Median", "P90"],
          times(d.first_response || []))),
      section("backlog", "Permintaan terbuka saat ini",
        `${fmt.number(d.backlog_total?.open || 0)} terbuka, ${fmt.number(d.backlog_total?.overdue || 0)} lewat tenggat.`,
        table("table-backlog", "Permintaan terbuka", ["Status", "Layanan", "Terbuka", "Lewat tenggat"],
          (d.backlog || []).map((r) => [r.status_name, r.kind_name, num(r.open), num(r.overdue)]))),
      section("approvals", "Persetujuan tertunda", null,
        table("table-approvals", "Persetujuan tertunda", ["Menunggu", "Lewat tenggat", "Tenggat terlama"],
          [[num(a.pending), num(a.overdue), a.oldest_due_at ? fmt.dateTime(a.oldest_due_at) : "—"]])),
      section("escalations", "Eskalasi ke produsen data tertunda",
        `${fmt.number(d.escalations_total?.pending || 0)} terbuka, ${fmt.number(d.escalations_total?.overdue || 0)} lewat tenggat.`,
        table("table-escalations", "Eskalasi tertunda", ["Unit produsen", "Terbuka", "Lewat tenggat", "Tertua sejak"],
          (d.escalations || []).map((r) => [r.unit_name, num(r.pending), num(r.overdue),
            r.oldest_at ? fmt.dateTime(r.oldest_at) : "—"]))),
      section("ikm", "Indeks Kepuasan Masyarakat (IKM)",
        "PermenPAN-RB 14/2017: sembilan unsur, skala 1–4; nilai IKM = rata-rata tertimbang × 25; mutu A–D.",
        table("table-ikm", "Indeks Kepuasan Masyarakat", ["Layanan", "Responden", "IKM (1–4)", "Nilai IKM", "Mutu"],
          (d.ikm || []).map((r) => [r.kind_name, num(r.respondents), num(r.value), num(r.index), grade(r)]))));
  }

  function download(button, path, filename, failText) {
    return downloadFile(button, path, { from: from.value, to: to.value }, filename, failText);
  }
  csv.addEventListener("click", () => download(csv, "/ops/reports/ledger.csv", `buku-besar-pnbp-${from.value}-${to.value}.csv`,
    "Gagal mengunduh buku besar"));

  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  await load();
}
