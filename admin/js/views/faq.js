// FAQ from answers: entries by status (GET /ops/faq), supervisors approve or reject proposals
// (POST /ops/faq/{id}/review), operators propose a resolved consultation's answer (#/faq/usul/<request id>:
// GET /ops/requests/{id}/faq for the prefilled draft, POST the same path to propose). Text only, never HTML.
import { h, replace, clear, link } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { hasRole } from "../auth.js";
import { pageHeader, errorBox, loading, field, textarea, input, busy, toast, announce, card, emptyState, dl, pill,
  showFormError, alertBox } from "../ui.js";

const enc = encodeURIComponent;
const FAQ_STATUS = { proposed: "Diusulkan", approved: "Disetujui (publik)", rejected: "Ditolak" };
const FAQ_BADGE = { proposed: "warn", approved: "ok", rejected: "danger" };

export async function render(view, params, ctx) {
  if (params.id) return renderPropose(view, params.id, ctx);
  return renderList(view, ctx);
}

async function renderList(view, ctx) {
  const supervisor = hasRole(ctx.user, "supervisor", "admin");
  const canPropose = hasRole(ctx.user, "operator", "supervisor", "admin");
  view.append(pageHeader("FAQ", "Jawaban konsultasi yang diusulkan petugas menjadi tanya-jawab publik. Setelah "
    + "disetujui supervisor, FAQ tampil di hasil pencarian katalog sehingga pengguna menemukan jawabannya sebelum "
    + "bertanya."));
  let status = supervisor ? "proposed" : "approved";
  const tabs = h("div", { class: "toolbar", role: "group", "aria-label": "Status FAQ" });
  const list = h("div", { id: "faq-list" }, loading());
  const slot = h("div", { class: "form-error", id: "faq-error" });

  function drawTabs() {
    replace(tabs, Object.entries(FAQ_STATUS).map(([key, text]) => {
      const b = h("button", { type: "button", class: key === status ? "btn btn-primary" : "btn btn-secondary",
        "aria-pressed": String(key === status), dataset: { status: key } }, text);
      b.addEventListener("click", () => { status = key; drawTabs(); load(); });
      return b;
    }));
  }

  function entry(e) {
    const box = h("article", { class: "faq-item", dataset: { id: e.faq_id } },
      h("h3", { class: "faq-q" }, e.question),
      h("p", { class: "faq-a" }, e.answer),
      dl([
        ["Status", pill(FAQ_STATUS[e.status] || e.status, FAQ_BADGE[e.status] || "neutral")],
        ["Dari konsultasi", link(["permintaan", e.request_id], e.request_id)],
        ["Subjek", e.subject || "—"],
        ["Diusulkan", `${e.proposed_by_name || e.proposed_by} · ${fmt.dateTime(e.created_at)}`],
        ["Ditinjau", e.reviewed_by ? `${e.reviewed_by} · ${fmt.dateTime(e.reviewed_at)}` : "—"],
        ["Catatan tinjauan", e.review_reason || "—"],
      ]));
    if (supervisor && e.status === "proposed") {
      const reason = textarea({ name: "reason", rows: 2, maxlength: 2000 });
      const answer = textarea({ name: "answer", rows: 4, maxlength: 5000 }, e.answer);
      const ok = h("button", { type: "button", class: "btn btn-success" }, "Setujui & terbitkan");
      const no = h("button", { type: "button", class: "btn btn-danger" }, "Tolak");
      const err = h("div", { class: "form-error" });
      const review = async (button, body, okText) => {
        clear(err);
        try {
          await busy(button, () => post(`/ops/faq/${enc(e.faq_id)}/review`, body), "Memproses…");
          toast(okText);
          announce(okText);
          await load();
        } catch (x) {
          showFormError(err, null, x);
        }
      };
      ok.addEventListener("click", () => {
        const body = { decision: "approve", reason: reason.value.trim() };
        if (answer.value.trim() !== e.answer) body.answer = answer.value.trim();
        review(ok, body, "FAQ disetujui dan kini tampil untuk publik.");
      });
      no.addEventListener("click", () => {
        if (!reason.value.trim()) {
          replace(err, alertBox("error", "Tuliskan alasan penolakan terlebih dahulu.", "Gagal: alasan wajib diisi"));
          reason.focus();
          return;
        }
        review(no, { decision: "reject", reason: reason.value.trim() }, "Usulan FAQ ditolak.");
      });
      box.append(h("div", { class: "action-form" }, err,
        field("Jawaban (boleh disunting sebelum disetujui)", answer,
          { hint: "Pastikan tidak ada data pribadi pemohon dalam pertanyaan maupun jawaban." }),
        field("Catatan tinjauan", reason, { hint: "Wajib diisi bila menolak." }),
        h("div", { class: "btn-row" }, ok, no)));
    }
    return box;
  }

  async function load() {
    replace(list, loading());
    clear(slot);
    try {
      const page = await get("/ops/faq", { status, page_size: 50 });
      if (!ctx.isCurrent()) return;
      const items = page.items || [];
      replace(list, items.length ? items.map(entry) : emptyState(status === "proposed"
        ? "Tidak ada usulan FAQ yang menunggu tinjauan." : "Belum ada FAQ dengan status ini."));
    } catch (err) {
      replace(list, errorBox(err, { retry: load }));
    }
  }

  drawTabs();
  view.append(tabs, slot, card("Daftar FAQ", list));
  if (canPropose) {
    const rid = input({ name: "request_id", id: "faq-request", placeholder: "mis. R261129-ABC123", maxlength: 64 });
    const go = h("button", { type: "submit", class: "btn btn-secondary" }, "Buka draf");
    const form = h("form", { class: "filters", id: "faq-open" }, field("Nomor konsultasi yang sudah selesai", rid),
      h("div", { class: "field field-button" }, go));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (rid.value.trim()) window.location.hash = `#/faq/usul/${enc(rid.value.trim())}`;
    });
    view.append(card("Usulkan FAQ dari konsultasi", form));
  }
  await load();
}

async function renderPropose(view, requestId, ctx) {
  view.append(pageHeader(`Usulan FAQ dari ${requestId}`, "Pertanyaan dan jawaban diisi dari konsultasi; sunting agar "
    + "umum dan bebas data pribadi sebelum diusulkan.", h("a", { class: "btn btn-ghost", href: "#/faq" }, "← FAQ")));
  const body = h("div", { id: "faq-draft" }, loading());
  view.append(body);
  let draft;
  try {
    draft = await get(`/ops/requests/${enc(requestId)}/faq`);
  } catch (err) {
    replace(body, errorBox(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  const reasons = { not_a_consultation: "Hanya konsultasi yang dapat dijadikan FAQ.",
    not_resolved: "Konsultasi ini belum selesai dijawab.", exists: "Konsultasi ini sudah memiliki FAQ." };
  const q = textarea({ name: "question", rows: 3, maxlength: 1000, required: true }, draft.question || "");
  const a = textarea({ name: "answer", rows: 7, maxlength: 5000, required: true }, draft.answer || "");
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "faq-submit",
    disabled: !draft.can_propose }, "Usulkan ke supervisor");
  const slot = h("div", { class: "form-error" });
  const form = h("form", { class: "action-form", id: "faq-form" }, slot,
    draft.can_propose ? null : alertBox("info", reasons[draft.reason] || "Konsultasi ini tidak dapat diusulkan."),
    field("Pertanyaan", q, { required: true }),
    field("Jawaban", a, { required: true, hint: draft.answer ? "Diambil dari jawaban petugas terakhir pada percakapan."
      : "Percakapan belum memuat jawaban petugas; tuliskan jawabannya." }),
    h("div", { class: "btn-row" }, submit, link(["permintaan", requestId], "Lihat konsultasi", { class: "btn btn-ghost" })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(slot);
    try {
      await busy(submit, () => post(`/ops/requests/${enc(requestId)}/faq`,
        { question: q.value.trim(), answer: a.value.trim() }), "Mengirim…");
      toast("Usulan FAQ dikirim ke supervisor untuk ditinjau.");
      window.location.hash = "#/faq";
    } catch (err) {
      showFormError(slot, form, err);
    }
  });
  replace(body, card("Draf FAQ", form,
    draft.entry ? h("p", { class: "small muted" }, `Status FAQ saat ini: ${FAQ_STATUS[draft.entry.status] || draft.entry.status}`
      + (draft.entry.review_reason ? ` — ${draft.entry.review_reason}` : "")) : null));
}
