// On the request page (issue 19): the consumer's attachments (upload, list, withdraw) and the microdata application
// — what was submitted with the agreement version accepted, and, when the desk returned it for revision, the
// reviewer's comments with the form to edit and resubmit it (accepting the agreement in effect).
import { h, replace } from "../dom.js";
import { put, pub } from "../api.js";
import { card, facts, field, alertBox, errorBox, busy, toast, showFormError, emptyState } from "../ui.js";
import { dateTime } from "../fmt.js";
import * as att from "../attachments.js";

const CLOSED = new Set(["completed", "rejected", "expired", "cancelled"]);

export function applicationPanel(r, refresh) {
  return h("div", { id: "application-panel" }, revision(r, refresh), application(r), attachments(r));
}

function returned(r) {
  return r.status === "awaiting_consumer" && r.review && !r.review.resubmitted_at;
}

function application(r) {
  if (!r.abstract && !r.project) return null;
  const p = r.project || {};
  return card("Permohonan mikrodata", facts([
    ["Judul proyek", p.title || "—"],
    ["Instansi", p.institution || "—"],
    ["Tujuan", p.purpose || "—"],
    ["Keluaran", p.outputs || "—"],
    ["Abstraksi", h("span", { class: "prewrap" }, r.abstract || "—")],
    ["Perjanjian penggunaan", r.agreement_version
      ? `Versi ${r.agreement_version}, disetujui ${dateTime(r.agreement_accepted_at)}` : "—"],
  ]));
}

function revision(r, refresh) {
  if (!returned(r)) return null;
  const p = r.project || {};
  const agreementBox = h("div", { id: "agreement-text", class: "agreement", tabindex: "0",
    "aria-label": "Teks perjanjian penggunaan mikrodata" }, h("p", { class: "muted" }, "Memuat teks perjanjian…"));
  const accept = h("input", { type: "checkbox", name: "agreement", id: "revise-agree", required: true });
  const acceptLabel = h("span", {}, "Saya telah membaca dan menyetujui perjanjian penggunaan mikrodata");
  let version = null;
  pub("/microdata/agreement").then((a) => {
    version = a.version;
    acceptLabel.textContent = `Saya telah membaca dan menyetujui perjanjian penggunaan mikrodata versi ${a.version}`;
    replace(agreementBox, h("h3", {}, `${a.title} (versi ${a.version})`), h("p", { class: "prewrap" }, a.text));
  }).catch((err) => replace(agreementBox, errorBox(err)));
  const slot = h("div", { class: "form-error", id: "revise-error" });
  const input = (name, value, label, attrs = {}) => field(label, h("input", { name, id: `revise-${name}`, value: value || "",
    maxlength: 200, required: true, ...attrs }), { required: true });
  const area = (name, value, label, rows = 3) => field(label, h("textarea", { name, id: `revise-${name}`, maxlength: 5000,
    rows, required: true }, value || ""), { required: true });
  const form = h("form", { id: "revise-form" }, slot,
    input("title", p.title, "Judul proyek"),
    input("institution", p.institution, "Instansi"),
    area("purpose", p.purpose, "Tujuan proyek"),
    area("outputs", p.outputs, "Keluaran yang direncanakan"),
    area("abstract", r.abstract, "Abstraksi rencana penggunaan", 6),
    agreementBox,
    h("label", { class: "choice", for: "revise-agree" }, accept, acceptLabel),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "revise-submit" }, "Ajukan kembali")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const val = (k) => String(f.get(k) || "").trim();
    const missing = ["title", "institution", "purpose", "outputs", "abstract"].filter((k) => !val(k));
    if (missing.length || !accept.checked || !version) {
      showFormError(slot, form, new Error(!accept.checked ? "Setujui perjanjian penggunaan mikrodata terlebih dahulu."
        : "Lengkapi semua isian permohonan."));
      return;
    }
    await busy(form.querySelector("[type=submit]"), async () => {
      try {
        await put(`/requests/${encodeURIComponent(r.request_id)}/application`, {
          abstract: val("abstract"), agreement_version: version,
          project: { title: val("title"), institution: val("institution"), purpose: val("purpose"), outputs: val("outputs") },
        });
        toast("Permohonan diajukan kembali untuk ditelaah.");
        refresh();
      } catch (err) {
        showFormError(slot, form, err);
      }
    }, "Mengirim…");
  });
  return h("section", { class: "card", id: "revision-card", "aria-labelledby": "revision-h" },
    h("h2", { id: "revision-h" }, "Permohonan perlu diperbaiki"),
    alertBox("warn", r.review.comment, `Catatan petugas (${dateTime(r.review.at)})`),
    form);
}

function attachments(r) {
  if (r.kind !== "data_order" && r.kind !== "consultation" && r.kind !== "complaint") return null;
  const listBox = h("div", { id: "attachments-list", "aria-live": "polite" }, h("p", { class: "muted" }, "Memuat lampiran…"));
  const draw = async () => {
    try {
      const items = await att.list(r.request_id);
      if (!items.length) { replace(listBox, emptyState("Belum ada lampiran.")); return; }
      replace(listBox, h("ul", { class: "results", id: "attachments" }, items.map((a) => h("li", { class: "result",
        "data-id": a.attachment_id },
        a.download_url ? h("a", { href: a.download_url, rel: "noopener", download: a.filename }, a.filename) : h("span", {}, a.filename),
        h("span", { class: "muted small" }, ` · ${att.PURPOSE[a.purpose] || a.purpose} · `,
          a.status === "ready" ? "terverifikasi" : a.status === "rejected" ? `ditolak: ${a.reject_reason || ""}` : "menunggu unggahan"),
        CLOSED.has(r.status) ? null : h("button", { type: "button", class: "linklike", "aria-label": `Hapus lampiran ${a.filename}`,
          onclick: async () => { try { await att.remove(r.request_id, a.attachment_id); draw(); } catch (err) { listBox.append(errorBox(err)); } } },
        "Hapus")))));
    } catch (err) {
      replace(listBox, errorBox(err));
    }
  };
  draw();
  if (CLOSED.has(r.status)) return card("Lampiran", listBox);
  const fileInput = h("input", { type: "file", id: "attach-file", name: "file", accept: "application/pdf,image/jpeg,image/png" });
  const purpose = h("select", { id: "attach-purpose", name: "purpose" },
    ...Object.entries(att.PURPOSE).filter(([k]) => k !== "message").map(([k, v]) => h("option", { value: k }, v)));
  if (r.transaction_type === "zero_rupiah") purpose.value = "zero_rupiah_justification";
  const slot = h("div", { class: "form-error", id: "attach-error" });
  const form = h("form", { id: "attach-form" }, slot,
    field("Berkas (PDF, JPEG, atau PNG; paling besar 10 MB)", fileInput),
    field("Jenis lampiran", purpose),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-secondary", id: "attach-submit" }, "Unggah lampiran")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = fileInput.files && fileInput.files[0];
    const bad = att.problem(file);
    if (bad) { showFormError(slot, form, new Error(bad)); return; }
    await busy(form.querySelector("[type=submit]"), async () => {
      try {
        const a = await att.upload(r.request_id, file, purpose.value);
        toast(a.status === "ready" ? "Lampiran terunggah dan terverifikasi." : `Lampiran ditolak: ${a.reject_reason || ""}`,
          a.status === "ready" ? "success" : "error");
        fileInput.value = "";
        draw();
      } catch (err) {
        showFormError(slot, form, err);
      }
    }, "Mengunggah…");
  });
  return card("Lampiran", h("p", { class: "hint" }, "Lampirkan surat pengantar, surat dasar pembebasan biaya, atau dokumen pendukung lain. Hanya Anda dan petugas yang menangani permintaan ini yang dapat melihatnya."),
    listBox, form);
}

