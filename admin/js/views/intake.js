// Intake: an operator logs a request received by phone, letter, walk-in or email on behalf of a consumer.
import { h, replace, clear, link } from "../dom.js";
import { get, post, errorText } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, field, input, textarea, select, busy, showFormError, toast, announce, alertBox, card } from "../ui.js";

export async function render(view) {
  view.append(pageHeader("Pencatatan permintaan",
    "Catat permintaan yang diterima melalui telepon, surat, kunjungan langsung, atau email agar setiap layanan "
    + "terdokumentasi dan mengikuti SLA yang sama."));

  const result = h("div", { id: "intake-result", "aria-live": "polite" });
  const slot = h("div", { class: "form-error", id: "intake-error" });

  // channel + consumer
  const channel = select([["", "— pilih saluran —"], ["phone", "Telepon"], ["letter", "Surat"],
    ["walk_in", "Datang langsung"], ["email", "Email"]], { name: "channel", id: "intake-channel" });
  const name = input({ name: "name", id: "intake-name", autocomplete: "off", maxlength: 200 });
  const email = input({ type: "email", name: "email", id: "intake-email", autocomplete: "off", maxlength: 254 });
  const phone = input({ type: "tel", name: "phone", id: "intake-phone", autocomplete: "off", maxlength: 32,
    pattern: "[+0-9 ()\\-]*" });
  const nik = input({ name: "nik", id: "intake-nik", autocomplete: "off", inputmode: "numeric", maxlength: 16,
    pattern: "[0-9]{16}" });
  const institution = input({ name: "institution", id: "intake-institution", maxlength: 200 });
  const category = select([["", "— pilih kategori —"], ...Object.entries(fmt.CATEGORY)],
    { name: "category", id: "intake-category" });

  // request kind + kind-specific fields
  const kind = select([["consultation", "Konsultasi"], ["data_order", "Permintaan data"], ["complaint", "Pengaduan"]],
    { name: "kind", id: "intake-kind" });
  const topic = select(Object.entries(fmt.TOPIC), { name: "topic", id: "intake-topic" });
  const subject = input({ name: "subject", id: "intake-subject", maxlength: 200 });
  const question = textarea({ name: "question", id: "intake-question", rows: 5, maxlength: 5000 });
  const purpose = textarea({ name: "purpose", id: "intake-purpose", rows: 3, maxlength: 5000 });
  const custom = textarea({ name: "custom_request", id: "intake-custom", rows: 3, maxlength: 5000 });
  const abstract = textarea({ name: "abstract", id: "intake-abstract", rows: 3, maxlength: 5000 });
  const zero = textarea({ name: "zero_rupiah_justification", id: "intake-zero", rows: 2, maxlength: 5000 });
  const agree = h("input", { type: "checkbox", name: "agreement_accepted", id: "intake-agree" });
  const message = textarea({ name: "message", id: "intake-message", rows: 5, maxlength: 5000 });
  const about = input({ name: "about_request_id", id: "intake-about", maxlength: 64, pattern: "[A-Za-z0-9_-]*" });

  // catalog item picker
  const chosen = new Map();
  const chosenList = h("ul", { class: "chosen-items", id: "intake-items", "aria-live": "polite" });
  const q = h("input", { type: "search", id: "intake-catalog-q", placeholder: "mis. inflasi Jawa Barat 2023",
    autocomplete: "off" });
  const qBtn = h("button", { type: "button", class: "btn btn-secondary" }, "Cari");
  const results = h("div", { class: "catalog-results", id: "intake-catalog-results" });
  function drawChosen() {
    replace(chosenList, [...chosen.values()].map((it) => {
      const rm = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Hapus ${it.title}` }, "Hapus");
      rm.addEventListener("click", () => { chosen.delete(it.id); drawChosen(); });
      return h("li", {}, h("span", {}, h("code", {}, it.id), " ", it.title, " · ", fmt.rupiah(it.price_idr)), rm);
    }));
    if (!chosen.size) chosenList.append(h("li", { class: "muted" }, "Belum ada item katalog dipilih."));
  }
  async function searchCatalog() {
    replace(results, h("p", { class: "muted small" }, "Mencari…"));
    try {
      const page = await get("/catalog/search", { q: q.value.trim(), page_size: 8 });
      const items = (page && page.items) || [];
      if (!items.length) { replace(results, h("p", { class: "muted small" }, "Tidak ada hasil.")); return; }
      replace(results, h("ul", { class: "plain-list" }, items.map((it) => {
        const add = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Tambah ${it.title}` },
          "Tambah");
        add.addEventListener("click", () => { chosen.set(it.id, it); drawChosen(); announce(`${it.title} ditambahkan.`); });
        return h("li", { class: "catalog-hit" }, h("div", {},
          h("div", {}, it.title),
          h("div", { class: "small muted" }, `${fmt.label(fmt.ITEM_TYPE, it.type)} · ${it.region} · ${it.year} · `
            + `${it.price_idr ? fmt.rupiah(it.price_idr) : "gratis"}`)), add);
      })));
    } catch (err) {
      replace(results, alertBox("error", errorText(err), "Gagal mencari katalog"));
    }
  }
  qBtn.addEventListener("click", searchCatalog);
  q.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); searchCatalog(); } });
  drawChosen();

  const groups = {
    consultation: h("fieldset", { class: "kind-fields", dataset: { kind: "consultation" } },
      h("legend", {}, "Konsultasi"),
      field("Topik", topic, { required: true }),
      field("Perihal", subject, { required: true }),
      field("Pertanyaan", question, { required: true })),
    data_order: h("fieldset", { class: "kind-fields", dataset: { kind: "data_order" } },
      h("legend", {}, "Permintaan data"),
      h("div", { class: "field" }, h("label", { for: q.id || (q.id = "intake-catalog-q") }, "Cari item katalog"),
        h("div", { class: "input-group" }, q, qBtn)),
      results,
      h("h3", { class: "subhead" }, "Item dipilih"), chosenList,
      field("Tujuan penggunaan data", purpose, { required: true }),
      field("Permintaan data yang belum terbit (opsional)", custom),
      field("Abstraksi penggunaan (wajib untuk mikrodata)", abstract),
      field("Dasar pembebasan tarif / nol rupiah (opsional)", zero,
        { hint: "Isi bila pemohon berhak atas layanan nol rupiah; permintaan akan menunggu persetujuan supervisor." }),
      h("label", { class: "check", for: "intake-agree" }, agree,
        h("span", {}, "Pemohon menyetujui ketentuan penggunaan data"))),
    complaint: h("fieldset", { class: "kind-fields", dataset: { kind: "complaint" } },
      h("legend", {}, "Pengaduan"),
      field("Isi pengaduan", message, { required: true }),
      field("Nomor permintaan terkait (opsional)", about)),
  };
  function showKind() {
    for (const [k, el] of Object.entries(groups)) el.hidden = k !== kind.value;
  }
  kind.addEventListener("change", showKind);
  showKind();

  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "intake-submit" }, "Catat permintaan");
  const reset = h("button", { type: "reset", class: "btn btn-ghost" }, "Kosongkan");
  const form = h("form", { class: "intake-form", id: "intake-form", novalidate: true },
    slot,
    h("fieldset", {}, h("legend", {}, "Saluran dan pemohon"),
      h("div", { class: "form-grid" },
        field("Saluran penerimaan", channel, { required: true }),
        field("Nama pemohon", name, { required: true }),
        field("Email pemohon", email, { hint: "Pemohon menerima pemberitahuan dan tautan hasil ke email ini. "
          + "Tanpa email, isi telepon atau NIK: pemberitahuan dikirim ke loket Anda untuk disampaikan." }),
        field("Telepon", phone),
        field("NIK (nomor induk kependudukan)", nik, { hint: "16 digit; hanya 4 digit terakhir yang disimpan." }),
        field("Instansi", institution),
        field("Kategori pemohon", category))),
    h("fieldset", {}, h("legend", {}, "Jenis permintaan"), field("Jenis", kind, { required: true })),
    groups.consultation, groups.data_order, groups.complaint,
    h("div", { class: "btn-row" }, submit, reset));
  form.addEventListener("reset", () => {
    window.setTimeout(() => { chosen.clear(); drawChosen(); showKind(); clear(slot); }, 0);
  });

  function missing() {
    const req = [[channel, "saluran"], [name, "nama pemohon"]];
    if (kind.value === "consultation") req.push([subject, "perihal"], [question, "pertanyaan"]);
    if (kind.value === "data_order") req.push([purpose, "tujuan penggunaan"]);
    if (kind.value === "complaint") req.push([message, "isi pengaduan"]);
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const out = req.filter(([el]) => !String(el.value || "").trim());
    for (const [el] of out) el.setAttribute("aria-invalid", "true");
    if (email.value && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email.value.trim())) {
      email.setAttribute("aria-invalid", "true");
      out.push([email, "email yang valid"]);
    }
    if (!email.value.trim() && !phone.value.trim() && !nik.value.trim()) {
      email.setAttribute("aria-invalid", "true");
      out.push([email, "email, telepon, atau NIK pemohon"]);
    }
    if (nik.value.trim() && !/^[0-9]{16}$/.test(nik.value.trim())) {
      nik.setAttribute("aria-invalid", "true");
      out.push([nik, "NIK 16 digit"]);
    }
    if (kind.value === "data_order" && !chosen.size && !custom.value.trim()) {
      out.push([q, "item katalog atau permintaan khusus"]);
    }
    return out;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(result);
    const miss = missing();
    if (miss.length) {
      replace(slot, alertBox("error", `Lengkapi: ${miss.map(([, t]) => t).join(", ")}.`, "Gagal: isian belum lengkap"));
      miss[0][0].focus();
      return;
    }
    clear(slot);
    const consumer = { name: name.value.trim() };
    if (email.value.trim()) consumer.email = email.value.trim();
    if (phone.value.trim()) consumer.phone = phone.value.trim();
    if (nik.value.trim()) consumer.nik = nik.value.trim();
    if (institution.value.trim()) consumer.institution = institution.value.trim();
    if (category.value) consumer.category = category.value;
    const body = { channel: channel.value, consumer, kind: kind.value };
    if (kind.value === "consultation") {
      Object.assign(body, { topic: topic.value, subject: subject.value.trim(), question: question.value.trim() });
    } else if (kind.value === "data_order") {
      Object.assign(body, { items: [...chosen.keys()].map((id) => ({ catalog_id: id })), purpose: purpose.value.trim(),
        agreement_accepted: agree.checked });
      if (custom.value.trim()) body.custom_request = custom.value.trim();
      if (abstract.value.trim()) body.abstract = abstract.value.trim();
      if (zero.value.trim()) body.zero_rupiah_justification = zero.value.trim();
    } else {
      body.message = message.value.trim();
      if (about.value.trim()) body.about_request_id = about.value.trim();
    }
    try {
      const rec = await busy(submit, () => post("/ops/requests", body), "Menyimpan…");
      const text = `Permintaan ${rec.request_id} tercatat (${fmt.label(fmt.CHANNEL, rec.channel)}).`;
      toast(text);
      replace(result, h("div", { class: "alert alert-success", role: "status", id: "intake-success" },
        h("p", { class: "alert-title" }, text),
        h("p", {}, `Status: ${fmt.label(fmt.STATUS, rec.status)} · tenggat ${fmt.dateTime(rec.due_at)}. `,
          link(["permintaan", rec.request_id], "Buka permintaan")),
        rec.consumer && rec.consumer.handover_desk
          ? h("p", { id: "intake-handover" }, `Pemohon tanpa email: berikan nomor permintaan ${rec.request_id} `
            + "kepadanya untuk menanyakan status. Pemberitahuan untuknya masuk ke notifikasi Anda untuk disampaikan.")
          : null));
      form.reset();
      result.querySelector("a")?.focus();
    } catch (err) {
      showFormError(slot, form, err);
    }
  });

  view.append(result, card("Formulir pencatatan", form));
}
