// Escalations to producer units: list (filter by status), detail, and the producer's answer.
import { h, replace, clear, link } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { hasRole } from "../auth.js";
import { pageHeader, errorBox, loading, select, field, textarea, busy, showFormError, toast, card, emptyState, dl,
  alertBox, downloadFile } from "../ui.js";

const enc = encodeURIComponent;

export async function render(view, params, ctx) {
  if (params.id) return renderOne(view, params.id, ctx);
  view.append(pageHeader("Eskalasi", hasRole(ctx.user, "producer")
    ? "Pertanyaan dari petugas layanan untuk unit Anda. Jawaban dikirim kembali ke petugas sebagai catatan internal."
    : "Pertanyaan yang diteruskan ke unit produsen data."));
  const status = select([["open", "Menunggu jawaban"], ["answered", "Terjawab"], ["", "Semua"]], { name: "status" });
  const unit = select([["", "Semua unit"], ...Object.entries(fmt.UNIT)], { name: "unit" });
  get("/ops/units").then((units) => { // units admins created (GET /ops/units); the built-in list until then
    const keep = unit.value;
    replace(unit, h("option", { value: "" }, "Semua unit"), (units || []).map((u) => h("option", { value: u.code }, u.name)));
    unit.value = keep;
  }).catch(() => {});
  const list = h("div", { id: "escalation-list" }, loading());
  const more = h("div", {});
  let cursor = null;
  async function load(reset) {
    try {
      const page = await get("/ops/escalations", { status: status.value || undefined, unit: unit.value || undefined,
        cursor: reset ? undefined : cursor, page_size: 50 });
      if (!ctx.isCurrent()) return;
      cursor = page.next_cursor;
      const rows = (page.items || []).map((e) => h("tr", { class: e.overdue ? "row-overdue" : "" },
        h("th", { scope: "row", "data-label": "Nomor" }, link(["eskalasi", e.escalation_id], e.escalation_id)),
        h("td", { "data-label": "Permintaan" }, link(["permintaan", e.request_id], e.request_id)),
        h("td", { "data-label": "Unit" }, e.unit_name || fmt.label(fmt.UNIT, e.unit)),
        h("td", { "data-label": "Pertanyaan", class: "cell-summary" }, e.question.length > 140 ? e.question.slice(0, 139) + "…" : e.question),
        h("td", { "data-label": "Tenggat" }, fmt.dateTime(e.due_at),
          e.overdue ? h("span", { class: "badge badge-danger" }, "Terlambat") : null),
        h("td", { "data-label": "Status" }, h("span", { class: `badge badge-esc-${e.status}` }, fmt.label(fmt.ESC_STATUS, e.status)))));
      if (reset) {
        replace(list, rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "table" },
          h("thead", {}, h("tr", {}, ["Nomor", "Permintaan", "Unit", "Pertanyaan", "Tenggat", "Status"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, rows))) : emptyState("Tidak ada eskalasi."));
      } else {
        list.querySelector("tbody")?.append(...rows);
      }
      clear(more);
      if (cursor) {
        const b = h("button", { type: "button", class: "btn btn-secondary" }, "Muat lebih banyak");
        b.addEventListener("click", () => busy(b, () => load(false)));
        more.append(b);
      }
    } catch (err) {
      replace(list, errorBox(err, { retry: () => load(true) }));
    }
  }
  status.addEventListener("change", () => load(true));
  unit.addEventListener("change", () => load(true));
  view.append(h("form", { class: "filters", onsubmit: (e) => e.preventDefault(), "aria-label": "Saring eskalasi" },
    field("Status", status), field("Unit", unit)), card("Daftar eskalasi", list, more));
  if (hasRole(ctx.user, "supervisor")) view.append(producerReport(ctx));
  await load(true);
}

// Supervisors: producer response times per unit over a period (GET /ops/reports/producers, CSV export).
const num = (v, digits = 1) => (v === null || v === undefined ? "—" : Number(v).toLocaleString("id-ID",
  { maximumFractionDigits: digits, minimumFractionDigits: 0 }));

function producerReport(ctx) {
  const today = fmt.localDay();
  const from = h("input", { type: "date", id: "producer-from", name: "from", value: fmt.addDays(today, -29) });
  const to = h("input", { type: "date", id: "producer-to", name: "to", value: today });
  const show = h("button", { type: "submit", class: "btn btn-secondary" }, "Tampilkan");
  const csv = h("button", { type: "button", class: "btn btn-ghost", id: "producer-csv" }, "Unduh CSV");
  const out = h("div", { id: "producer-report", "aria-live": "polite" }, loading());
  const form = h("form", { class: "filters", "aria-label": "Periode laporan produsen" },
    field("Dari", from), field("Sampai", to), show, csv);
  const headers = ["Unit", "SLA (hari kerja)", "Eskalasi", "Terjawab", "Tepat waktu", "Terlambat dijawab",
    "Belum dijawab", "Lewat tenggat", "Median", "P90", "Rata-rata"];
  function line(r, total) {
    const cells = [r.sla_days ?? "—", r.escalated, r.answered, r.on_time_pct === null || r.on_time_pct === undefined
      ? "—" : `${num(r.on_time_pct)}%`, r.answered_late, r.open, r.overdue,
    num(r.median_days, 2), num(r.p90_days, 2), num(r.mean_days, 2)];
    return h("tr", { class: total ? "row-total" : r.overdue ? "row-overdue" : "", dataset: { unit: r.unit || "total" } },
      h("th", { scope: "row", "data-label": "Unit" }, total ? "Semua unit" : (r.unit_name || r.unit)),
      cells.map((c, i) => h("td", { "data-label": headers[i + 1] }, String(c))));
  }
  async function load() {
    replace(out, loading());
    try {
      const rep = await get("/ops/reports/producers", { from: from.value || undefined, to: to.value || undefined });
      if (!ctx.isCurrent()) return;
      const rows = rep.units || [];
      replace(out, rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "table", id: "producer-table" },
        h("caption", {}, "Waktu respons dalam hari kerja (WIB), dari pertanyaan eskalasi sampai jawaban unit. "
          + "Tepat waktu: dijawab sebelum tenggat sesuai SLA unit saat ditanyakan."),
        h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows.map((r) => line(r, false)), rep.total ? line(rep.total, true) : null)))
        : emptyState("Belum ada unit produsen."));
    } catch (err) {
      replace(out, errorBox(err, { retry: load }));
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  csv.addEventListener("click", () => downloadFile(csv, "/ops/reports/producers.csv", { from: from.value, to: to.value },
    `waktu-respons-produsen-${from.value}-${to.value}.csv`, "Gagal mengunduh laporan"));
  load();
  return card("Waktu respons produsen per unit", form, out);
}

async function renderOne(view, id, ctx) {
  view.append(pageHeader(`Eskalasi ${id}`, null), loading());
  async function load() {
    let e;
    try {
      e = await get(`/ops/escalations/${enc(id)}`);
    } catch (err) {
      replace(view, pageHeader(`Eskalasi ${id}`, null, h("a", { class: "btn btn-ghost", href: "#/eskalasi" }, "← Eskalasi")),
        errorBox(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    const parts = [card("Pertanyaan", dl([
      ["Permintaan", link(["permintaan", e.request_id], e.request_id)],
      ["Unit", e.unit_name || fmt.label(fmt.UNIT, e.unit)],
      ["Ditanyakan oleh", `${e.asked_by_name || e.asked_by} · ${fmt.dateTime(e.created_at)}`],
      ["Tenggat jawaban", h("span", {}, fmt.dateTime(e.due_at), e.sla_days ? ` (SLA ${e.sla_days} hari kerja)` : "",
        e.overdue ? h("span", { class: "badge badge-danger" }, "Terlambat") : null)],
      ["Status", h("span", { class: `badge badge-esc-${e.status}` }, fmt.label(fmt.ESC_STATUS, e.status))],
      ["Pertanyaan", h("p", { class: "prewrap" }, e.question)],
    ]))];
    if (e.status === "answered") {
      parts.push(card("Jawaban", dl([
        ["Dijawab oleh", `${e.answered_by_name || e.answered_by} · ${fmt.dateTime(e.answered_at)}`],
        ["Jawaban", h("p", { class: "prewrap" }, e.answer || "")],
      ])));
    } else if (hasRole(ctx.user, "producer")) {
      const answer = textarea({ name: "answer", id: "escalation-answer", rows: 5, maxlength: 5000 });
      const submit = h("button", { type: "submit", class: "btn btn-primary", id: "escalation-submit" }, "Kirim jawaban");
      const slot = h("div", { class: "form-error" });
      const form = h("form", {}, slot, field("Jawaban untuk petugas", answer, { required: true }), submit);
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (!answer.value.trim()) { replace(slot, alertBox("error", "Jawaban tidak boleh kosong.", "Gagal")); answer.focus(); return; }
        try {
          await busy(submit, () => post(`/ops/escalations/${enc(id)}/answer`, { answer: answer.value.trim() }), "Mengirim…");
          toast("Jawaban terkirim ke petugas.");
          await load();
        } catch (err) {
          showFormError(slot, form, err);
        }
      });
      parts.push(card("Jawab", form));
    } else {
      parts.push(alertBox("info", "Menunggu jawaban dari unit produsen data."));
    }
    replace(view, pageHeader(`Eskalasi ${e.escalation_id}`, e.unit_name,
      h("a", { class: "btn btn-ghost", href: "#/eskalasi" }, "← Eskalasi")), parts);
  }
  await load();
}
