// Request detail: consumer, items, billing, timeline, conversation (with internal notes), start/complete,
// approval, deliverable upload with progress and verification, escalation, and (supervisors) reassignment.
import { h, replace, clear, link } from "../dom.js";
import { get, post, patch, del, errorSummary } from "../api.js";
import * as fmt from "../fmt.js";
import { hasRole } from "../auth.js";
import {
  pageHeader, errorBox, loading, statusBadge, pill, card, dl, field, textarea, select, busy, toast, announce,
  showFormError, emptyState, alertBox,
} from "../ui.js";
import { dueCell, isOverdue } from "./common.js";
import { attachmentsCard, microdataCard, returnButton, handoverNote } from "./request-attachments.js";
import { consumerActions } from "./request-consumer.js";
import { uploadForm } from "../upload.js";
import { replyPicker } from "./replies.js";  // desk: canned replies in the reply box
import { mergePanel } from "./merge.js";  // desk: merge duplicates

const enc = encodeURIComponent;
const VERIFY_POLL_MS = 1500;
const VERIFY_TIMEOUT_MS = 120 * 1000;

export async function render(view, params, ctx) {
  const id = params.id;
  const state = { draft: "", draftInternal: false, uploads: [] };
  ctx.onLeave(() => {
    for (const u of state.uploads) u.abort?.();
    state.left = true;
  });

  async function load(focusSelector) {
    let rec;
    try {
      rec = await get(`/ops/requests/${enc(id)}`);
    } catch (err) {
      if (!ctx.isCurrent()) return;
      replace(view, pageHeader(`Permintaan ${id}`, null, backLink(ctx)), errorBox(err, { retry: () => load() }));
      return;
    }
    if (!ctx.isCurrent()) return;
    draw(rec);
    if (focusSelector) view.querySelector(focusSelector)?.focus();
  }

  function draw(rec) {
    const user = ctx.user;
    const supervisor = hasRole(user, "supervisor", "admin");
    const subtitle = `${fmt.label(fmt.KIND, rec.kind)} · ${fmt.label(fmt.CHANNEL, rec.channel)} · diajukan `
      + fmt.dateTime(rec.created_at);
    const header = pageHeader(`Permintaan ${rec.request_id}`, subtitle, backLink(ctx));
    const strip = h("div", { class: "status-strip", id: "request-status" },
      h("div", {}, h("span", { class: "strip-label" }, "Status"), statusBadge(rec.status)),
      h("div", {}, h("span", { class: "strip-label" }, "Tenggat"), dueCell(rec)),
      h("div", {}, h("span", { class: "strip-label" }, "Petugas"),
        h("span", { id: "request-assignee" }, rec.assignee || "belum ditugaskan")),
      h("div", {}, h("span", { class: "strip-label" }, "SLA"),
        h("span", {}, rec.sla_days ? `${rec.sla_days} hari kerja` : "—")));
    const banners = [];
    if (isOverdue(rec)) {
      banners.push(alertBox("error", `Tenggat ${fmt.dateTime(rec.due_at)} sudah lewat (${fmt.dueText(rec.due_at)}).`,
        "Permintaan ini terlambat"));
    }
    if (rec.problem) banners.push(alertBox("warn", fmt.problemText(rec.problem), "Perlu perhatian"));

    // files are central to a data order; for consultations and complaints they are optional attachments
    const main = rec.kind === "data_order"
      ? h("div", { class: "detail-main" }, detailsCard(rec), actionsCard(rec, supervisor), deliverablesCard(rec),
        conversationCard(rec))
      : h("div", { class: "detail-main" }, detailsCard(rec), actionsCard(rec, supervisor), conversationCard(rec),
        deliverablesCard(rec));
    const aside = h("div", { class: "detail-aside" },
      handoverNote(rec),  // issue 19: intake without e-mail, microdata application, consumer attachments
      consumerCard(rec),
      microdataCard(rec),
      attachmentsCard(rec),
      billingCard(rec),
      timelineCard(rec),
      escalationsCard(rec),
      rec.delivered_at ? downloadsCard(rec) : null,
      forumCard(rec));
    replace(view, header, strip, banners, h("div", { class: "detail-grid" }, main, aside));
    ctx.setTitle(`Permintaan ${rec.request_id}`);
  }

  // --- panels ------------------------------------------------------------------------------------------
  function detailsCard(rec) {
    const pairs = [];
    if (rec.kind === "consultation") {
      pairs.push(["Topik", fmt.label(fmt.TOPIC, rec.topic)], ["Perihal", rec.subject],
        ["Pertanyaan", h("p", { class: "prewrap" }, rec.question || "—")]);
    } else if (rec.kind === "complaint") {
      pairs.push(["Isi pengaduan", h("p", { class: "prewrap" }, rec.message || "—")]);
      if (rec.about_request_id) pairs.push(["Terkait permintaan", link(["permintaan", rec.about_request_id], rec.about_request_id)]);
    } else {
      pairs.push(["Tujuan penggunaan", h("p", { class: "prewrap" }, rec.purpose || "—")]);
      if (rec.custom_request) pairs.push(["Permintaan khusus", h("p", { class: "prewrap" }, rec.custom_request)]);
      if (rec.abstract) pairs.push(["Abstraksi penggunaan data", h("p", { class: "prewrap" }, rec.abstract)]);
      if (rec.zero_rupiah_justification) {
        pairs.push(["Dasar pembebasan tarif", h("p", { class: "prewrap" }, rec.zero_rupiah_justification)]);
      }
    }
    const items = rec.items && rec.items.length ? h("div", { class: "table-wrap" }, h("table", { class: "table table-compact" },
      h("caption", {}, "Item katalog yang diminta"),
      h("thead", {}, h("tr", {}, ["Kode", "Judul", "Jenis", "Akses", "Tarif"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rec.items.map((i) => h("tr", {},
        h("td", { "data-label": "Kode" }, h("code", {}, i.catalog_id)),
        h("td", { "data-label": "Judul" }, i.title || "—"),
        h("td", { "data-label": "Jenis" }, fmt.label(fmt.ITEM_TYPE, i.type)),
        h("td", { "data-label": "Akses" }, fmt.label(fmt.ACCESS, i.access)),
        h("td", { "data-label": "Tarif", class: "num" }, fmt.rupiah(i.price_idr)))))))
      : null;
    return card("Rincian permintaan", dl(pairs), items);
  }

  function consumerCard(rec) {
    const c = rec.consumer || {};
    return card("Pemohon", dl([
      ["Nama", c.name || rec.consumer_id],
      ["Email", c.email ? h("a", { href: `mailto:${c.email}` }, c.email) : null],
      ["Telepon", c.phone || null],
      ["Instansi", c.institution || null],
      ["Kategori", fmt.label(fmt.CATEGORY, c.category)],
      ["ID pengguna", h("code", {}, rec.consumer_id || "—")],
    ]));
  }

  function billingCard(rec) {
    const pairs = [
      ["Jenis transaksi", fmt.label(fmt.TTYPE, rec.transaction_type)],
      ["Total", fmt.rupiah(rec.total_idr)],
    ];
    if (rec.billing_code) pairs.push(["Kode billing", h("code", {}, rec.billing_code)]);
    if (rec.transaction_type === "paid") {
      pairs.push(["Pembayaran", rec.paid_at ? h("span", {}, pill("Lunas", "ok"), " ", fmt.dateTime(rec.paid_at))
        : pill(rec.status === "awaiting_payment" ? "Menunggu pembayaran" : "Belum dibayar", "warn")]);
    }
    if (rec.needs_approval || rec.approval) {
      pairs.push(["Persetujuan", rec.approval
        ? `${rec.approval.decision === "approve" ? "Disetujui" : "Ditolak"} oleh ${rec.approval.by} · `
          + `${fmt.dateTime(rec.approval.at)}${rec.approval.reason ? " — " + rec.approval.reason : ""}`
        : "Belum diputuskan"]);
    }
    if (rec.rating) {
      pairs.push(["Penilaian", `${"★".repeat(rec.rating.score)}${"☆".repeat(5 - rec.rating.score)} (${rec.rating.score}/5)`
        + (rec.rating.comment ? ` — ${rec.rating.comment}` : "")]);
    }
    return card("Transaksi & tagihan", dl(pairs));
  }

  function timelineCard(rec) {
    const list = h("ol", { class: "timeline", id: "timeline" },
      (rec.timeline || []).slice().reverse().map((t) => h("li", { class: "timeline-item" },
        h("div", { class: "timeline-head" }, statusBadge(t.status),
          h("time", { datetime: t.at, class: "muted small" }, fmt.dateTime(t.at))),
        h("div", { class: "small" }, `oleh ${t.actor}`),
        t.note ? h("div", { class: "timeline-note" }, fmt.humaniseTimestamps(t.note)) : null)));
    return card("Riwayat status", list);
  }

  // --- actions -----------------------------------------------------------------------------------------
  function actionsCard(rec, supervisor) {
    const user = ctx.user;
    const canAct = rec.assignee === user.sub || supervisor;
    const slot = h("div", { class: "form-error", id: "action-error" });
    const parts = [];

    async function act(button, fn, okText) {
      clear(slot);
      try {
        await busy(button, fn, "Memproses…");
        toast(okText);
        announce(okText);
        await load("#page-title");
      } catch (err) {
        showFormError(slot, null, err);
      }
    }

    if (rec.status === "assigned" && canAct) {
      const b = h("button", { type: "button", class: "btn btn-primary", id: "action-start" }, "Mulai kerjakan");
      b.addEventListener("click", () => act(b, () => post(`/ops/requests/${enc(rec.request_id)}/start`),
        "Permintaan mulai dikerjakan."));
      parts.push(h("div", { class: "action-row" }, b,
        h("p", { class: "hint" }, "Ubah status menjadi “Sedang dikerjakan” agar pemohon tahu permintaannya ditangani.")));
    }
    if (rec.status === "in_progress" && canAct) {
      const note = textarea({ name: "note", rows: 2, maxlength: 2000 });
      const b = h("button", { type: "submit", class: "btn btn-success", id: "action-complete" },
        "Tandai selesai & kirim ke pemohon");
      const form = h("form", { class: "action-form", id: "complete-form" },
        field("Catatan penyelesaian (opsional)", note,
          { hint: rec.kind === "data_order" ? "Semua berkas hasil harus sudah terunggah dan terverifikasi." : null }),
        b);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        act(b, () => post(`/ops/requests/${enc(rec.request_id)}/complete`, { note: note.value.trim() }),
          "Permintaan ditandai selesai dan dikirim ke pemohon.");
      });
      parts.push(form);
    }
    if (rec.status === "awaiting_approval") {
      const reason = textarea({ name: "reason", rows: 2, maxlength: 2000 });
      const ok = h("button", { type: "button", class: "btn btn-success", id: "action-approve" }, "Setujui");
      const no = h("button", { type: "button", class: "btn btn-danger", id: "action-reject" }, "Tolak");
      const zeroNeedsSupervisor = rec.transaction_type === "zero_rupiah" && !supervisor;
      if (zeroNeedsSupervisor) { ok.disabled = true; no.disabled = true; }
      ok.addEventListener("click", () => act(ok, () => post(`/ops/requests/${enc(rec.request_id)}/approval`,
        { decision: "approve", reason: reason.value.trim() }), "Permintaan disetujui."));
      no.addEventListener("click", () => {
        if (!reason.value.trim()) {
          replace(slot, alertBox("error", "Tuliskan alasan penolakan terlebih dahulu.", "Gagal: alasan wajib diisi"));
          reason.setAttribute("aria-invalid", "true");
          reason.focus();
          return;
        }
        act(no, () => post(`/ops/requests/${enc(rec.request_id)}/approval`,
          { decision: "reject", reason: reason.value.trim() }), "Permintaan ditolak.");
      });
      parts.push(h("div", { class: "action-form", id: "approval-form" },
        h("p", {}, rec.transaction_type === "zero_rupiah"
          ? "Permintaan nol rupiah: periksa dasar pembebasan tarif sebelum memutuskan."
          : "Periksa abstraksi penggunaan data sebelum memutuskan."),
        zeroNeedsSupervisor ? alertBox("info", "Permintaan nol rupiah hanya dapat diputuskan oleh supervisor.") : null,
        field("Alasan / catatan keputusan", reason, { hint: "Wajib diisi bila menolak; dikirim ke pemohon." }),
        h("div", { class: "btn-row" }, ok, no, returnButton(rec, reason, act, slot))));
    }
    parts.push(...consumerActions(rec, { canAct, act }));  // questions and price quotes (issue 19)
    if (["assigned", "in_progress"].includes(rec.status) && canAct && hasRole(user, "operator", "supervisor", "admin")) {
      parts.push(escalateForm(rec, act));
    }
    if (supervisor && fmt.OPEN_STATUSES.has(rec.status)) {
      parts.push(supervisorForm(rec, act));
    }
    if (rec.kind === "consultation" && ["delivered", "completed"].includes(rec.status)
        && hasRole(user, "operator", "supervisor", "admin")) {
      parts.push(h("div", { class: "action-row" },
        link(["faq", "usul", rec.request_id], "Usulkan jawaban sebagai FAQ", { class: "btn btn-secondary", id: "action-faq" }),
        h("p", { class: "hint" }, "Setelah disetujui supervisor, pertanyaan dan jawaban ini tampil sebagai FAQ publik "
          + "di hasil pencarian.")));
    }
    if (hasRole(user, "supervisor")) {  // desk: merge a duplicate into its primary
      const merge = mergePanel(rec, () => load("#request-status"));
      if (merge) parts.push(merge);
    }
    if (!parts.length) {
      parts.push(h("p", { class: "muted" }, rec.assignee && rec.assignee !== user.sub && !supervisor
        ? `Permintaan ini ditangani oleh ${rec.assignee}.`
        : `Tidak ada tindakan untuk status “${fmt.label(fmt.STATUS, rec.status)}”.`));
    }
    return card("Tindakan", slot, parts);
  }

  function escalateForm(rec, act) {
    const unit = select([["", "— pilih unit —"], ...Object.entries(fmt.UNIT)], { name: "unit", required: true });
    // units admins created or deactivated (GET /ops/units); the built-in list until it answers
    get("/ops/units").then((units) => {
      const keep = unit.value;
      replace(unit, h("option", { value: "" }, "— pilih unit —"),
        (units || []).filter((u) => u.active).map((u) => h("option", { value: u.code }, u.name)));
      unit.value = keep;
    }).catch(() => {});
    const question = textarea({ name: "question", rows: 3, maxlength: 5000, required: true });
    const b = h("button", { type: "submit", class: "btn btn-secondary", id: "action-escalate" }, "Kirim eskalasi");
    const form = h("form", { class: "action-form", id: "escalate-form" },
      field("Unit produsen data", unit, { required: true }),
      field("Pertanyaan untuk produsen data", question, { required: true,
        hint: "Pemohon tidak melihat eskalasi; jawabannya masuk sebagai catatan internal." }),
      b);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      act(b, () => post(`/ops/requests/${enc(rec.request_id)}/escalations`,
        { unit: unit.value, question: question.value.trim() }), "Eskalasi terkirim ke produsen data.");
    });
    return h("details", { class: "disclosure" }, h("summary", {}, "Eskalasi ke produsen data"), form);
  }

  function supervisorForm(rec, act) {
    const opSel = select([["", "Memuat daftar operator…"]], { name: "assignee" });
    get("/ops/operators").then((ops) => {
      replace(opSel, h("option", { value: "" }, "— pilih operator —"),
        (ops || []).map((o) => h("option", { value: o.operator_id, disabled: !o.active },
          `${o.name || o.operator_id} (${o.operator_id}) · beban ${o.load}/${o.quota}${o.on_duty ? " · piket" : ""}`
          + `${o.active ? "" : " · nonaktif"}`)));
      if (rec.assignee) opSel.value = rec.assignee;
    }).catch((err) => replace(opSel, h("option", { value: "" }, errorSummary(err))));
    const note = h("input", { type: "text", name: "note", maxlength: 2000 });
    const reassign = h("button", { type: "button", class: "btn btn-secondary", id: "action-reassign" }, "Alihkan");
    reassign.addEventListener("click", () => {
      if (!opSel.value) { opSel.focus(); return; }
      act(reassign, () => patch(`/ops/requests/${enc(rec.request_id)}`, { assignee: opSel.value, note: note.value.trim() }),
        `Permintaan dialihkan ke ${opSel.value}.`);
    });
    const day = h("input", { type: "date", name: "due_day", value: rec.due_at ? fmt.localDay(rec.due_at) : "" });
    const time = h("input", { type: "time", name: "due_time", value: rec.due_at ? fmt.localTime(rec.due_at) : "16:00" });
    const due = h("button", { type: "button", class: "btn btn-secondary", id: "action-due" }, "Ubah tenggat");
    due.addEventListener("click", () => {
      if (!day.value || !time.value) { day.focus(); return; }
      act(due, () => patch(`/ops/requests/${enc(rec.request_id)}`,
        { due_at: fmt.wibIso(day.value, time.value), note: note.value.trim() }), "Tenggat diperbarui.");
    });
    return h("details", { class: "disclosure", id: "supervisor-actions" },
      h("summary", {}, "Supervisor: alihkan petugas atau ubah tenggat"),
      h("div", { class: "action-form" },
        h("div", { class: "form-row" }, field("Alihkan ke operator", opSel), h("div", { class: "field field-button" }, reassign)),
        h("div", { class: "form-row" }, field("Tanggal tenggat", day), field("Jam (WIB)", time),
          h("div", { class: "field field-button" }, due)),
        field("Catatan (opsional, masuk riwayat)", note)));
  }

  // --- conversation ------------------------------------------------------------------------------------
  function conversationCard(rec) {
    const list = h("div", { class: "messages", id: "messages", "aria-live": "polite" }, loading("Memuat percakapan…"));
    const body = textarea({ name: "body", rows: 4, maxlength: 5000, id: "reply-body" }, state.draft);
    body.addEventListener("input", () => { state.draft = body.value; });
    const internal = h("input", { type: "checkbox", name: "internal", id: "reply-internal", checked: state.draftInternal });
    internal.addEventListener("change", () => {
      state.draftInternal = internal.checked;
      form.classList.toggle("is-internal", internal.checked);
      send.textContent = internal.checked ? "Simpan catatan internal" : "Kirim balasan";
    });
    const send = h("button", { type: "submit", class: "btn btn-primary", id: "reply-send" },
      state.draftInternal ? "Simpan catatan internal" : "Kirim balasan");
    const slot = h("div", { class: "form-error" });
    const closed = ["rejected", "expired", "cancelled"].includes(rec.status);
    const form = h("form", { class: ["reply-form", state.draftInternal ? "is-internal" : ""], id: "reply-form" },
      slot,
      replyPicker(rec, body),
      field("Tulis balasan untuk pemohon", body, { hint: "Ctrl+Enter untuk mengirim." }),
      h("div", { class: "reply-actions" },
        h("label", { class: "check", for: "reply-internal" }, internal,
          h("span", {}, "Catatan internal (tidak terlihat oleh pemohon)")),
        send));
    if (closed) {
      body.disabled = true; send.disabled = true; internal.disabled = true;
    }
    body.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = body.value.trim();
      if (!text) {
        replace(slot, alertBox("error", "Balasan tidak boleh kosong.", "Gagal: isi balasan"));
        body.focus();
        return;
      }
      clear(slot);
      try {
        await busy(send, () => post(`/ops/requests/${enc(rec.request_id)}/messages`,
          { body: text, internal: internal.checked }), "Mengirim…");
        const msg = internal.checked ? "Catatan internal tersimpan." : "Balasan terkirim ke pemohon.";
        body.value = ""; state.draft = "";
        toast(msg);
        await loadMessages(list);
        body.focus();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    loadMessages(list);
    return card("Percakapan", list, closed ? alertBox("info", "Permintaan sudah ditutup; balasan tidak dapat dikirim.")
      : form);
  }

  async function loadMessages(list) {
    try {
      const data = await get(`/ops/requests/${enc(id)}/messages`);
      const msgs = Array.isArray(data) ? data : (data && data.items) || [];
      if (!msgs.length) {
        replace(list, emptyState("Belum ada pesan. Balasan Anda akan dikirim ke pemohon melalui portal dan email."));
        return;
      }
      replace(list, msgs.map((m) => {
        const staff = m.author_role !== "consumer";
        return h("article", { class: ["message", staff ? "message-staff" : "message-consumer",
          m.internal ? "message-internal" : ""], "aria-label": `Pesan dari ${m.author_name || m.author}` },
        h("header", { class: "message-head" },
          h("span", { class: "message-author" }, m.author_name || m.author),
          h("span", { class: "badge badge-neutral" }, staff ? "Petugas" : "Pemohon"),
          m.internal ? h("span", { class: "badge badge-internal" }, "Catatan internal") : null,
          h("time", { datetime: m.at, class: "muted small" }, fmt.dateTime(m.at))),
        h("p", { class: "message-body prewrap" }, m.body));
      }));
      list.lastElementChild?.scrollIntoView?.({ block: "nearest" });
    } catch (err) {
      replace(list, errorBox(err, { retry: () => loadMessages(list) }));
    }
  }

  // --- deliverables ------------------------------------------------------------------------------------
  function deliverablesCard(rec) {
    const list = h("div", { id: "deliverables" }, loading("Memuat berkas…"));
    const canUpload = ["assigned", "in_progress", "escalated"].includes(rec.status)
      && (rec.assignee === ctx.user.sub || hasRole(ctx.user, "supervisor", "admin"));
    const form = uploadForm({
      ids: { form: "upload-form", input: "upload-file", name: "upload-name", hint: "upload-hint", start: "upload-start",
        progress: "upload-progress", pct: "upload-pct", status: "upload-status" },
      label: rec.kind === "data_order" ? "Berkas hasil" : "Lampiran berkas",
      hint: "Format: xlsx, csv, pdf, zip, sav, dta, dll. Berkas diunggah langsung ke penyimpanan aman, lalu "
        + "diverifikasi (ukuran, jenis, SHA-256) sebelum dapat diunduh pemohon.",
      startText: "Unggah berkas", progressLabel: "Kemajuan unggahan", missingText: "Pilih berkas yang akan diunggah.",
      declare: (body) => post(`/ops/requests/${enc(rec.request_id)}/deliverables`, body),
      list: fetchDeliverables, draw: (items) => drawDeliverables(list, items), idOf: (d) => d.deliverable_id,
      isLive: () => !state.left, readyText: (filename) => `Berkas ${filename} terverifikasi dan siap diunduh pemohon.`,
      timeoutMs: VERIFY_TIMEOUT_MS, pollMs: VERIFY_POLL_MS, handles: state.uploads,
    });

    state.canChangeFiles = canUpload;
    state.kind = rec.kind;
    loadDeliverables(list);
    return card(rec.kind === "data_order" ? "Berkas hasil" : "Lampiran berkas", list, canUpload ? form
      : h("p", { class: "muted small" }, "Berkas dapat diunggah oleh petugas saat permintaan sedang ditangani."));
  }

  async function fetchDeliverables() {
    const data = await get(`/ops/requests/${enc(id)}/deliverables`);
    return Array.isArray(data) ? data : (data && data.items) || [];
  }

  async function loadDeliverables(list) {
    try {
      drawDeliverables(list, await fetchDeliverables());
    } catch (err) {
      replace(list, errorBox(err, { retry: () => loadDeliverables(list) }));
    }
  }

  function drawDeliverables(list, items) {
    const shown = items.filter((d) => d.status !== "deleted");
    if (!shown.length) {
      replace(list, emptyState(state.kind === "data_order" ? "Belum ada berkas hasil." : "Belum ada lampiran."));
      return;
    }
    replace(list, h("div", { class: "table-wrap" }, h("table", { class: "table table-compact table-cards", id: "deliverables-table" },
      h("caption", { class: "visually-hidden" }, "Berkas hasil"),
      h("thead", {}, h("tr", {}, ["Berkas", "Ukuran", "Status", "Waktu", state.canChangeFiles ? "" : null]
        .filter((t) => t !== null).map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, shown.map((d) => h("tr", { dataset: { deliverable: d.deliverable_id, status: d.status } },
        h("td", { "data-label": "Berkas" }, h("div", {}, d.filename),
          h("div", { class: "muted small mono", title: "SHA-256" }, `SHA-256 ${String(d.sha256 || "").slice(0, 16)}…`)),
        h("td", { "data-label": "Ukuran", class: "num" }, fmt.bytes(d.size_bytes)),
        h("td", { "data-label": "Status" },
          h("span", { class: `badge badge-dlv-${d.status}` }, fmt.label(fmt.DELIVERABLE, d.status)),
          d.status === "rejected" && (d.reject_reason || d.reject_code)
            ? h("div", { class: "small text-danger" }, d.reject_reason || d.reject_code) : null),
        h("td", { "data-label": "Waktu", class: "small" },
          fmt.dateTime(d.verified_at || d.uploaded_at || d.created_at)),
        state.canChangeFiles ? h("td", {}, withdrawButton(list, d)) : null))))));
  }

  function withdrawButton(list, d) {
    const b = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Hapus berkas ${d.filename}` },
      "Hapus");
    b.addEventListener("click", async () => {
      if (!window.confirm(`Hapus berkas ${d.filename}? Pemohon tidak akan dapat mengunduhnya.`)) return;
      try {
        await busy(b, () => del(`/ops/requests/${enc(id)}/deliverables/${enc(d.deliverable_id)}`), "Menghapus…");
        toast(`Berkas ${d.filename} dihapus.`);
        await loadDeliverables(list);
      } catch (err) {
        toast(errorSummary(err), "error");
      }
    });
    return b;
  }

  // --- escalations and forum -----------------------------------------------------------------------------
  function escalationsCard(rec) {
    const box = h("div", { id: "request-escalations" }, loading());
    get("/ops/escalations", { request_id: rec.request_id }).then((page) => {
      const items = (page && page.items) || [];
      if (!items.length) { replace(box, h("p", { class: "muted small" }, "Belum ada eskalasi.")); return; }
      replace(box, h("ul", { class: "plain-list" }, items.map((e) => h("li", {},
        h("div", {}, link(["eskalasi", e.escalation_id], e.escalation_id), " ",
          h("span", { class: `badge badge-esc-${e.status}` }, fmt.label(fmt.ESC_STATUS, e.status))),
        h("div", { class: "small" }, e.unit_name || fmt.label(fmt.UNIT, e.unit)),
        h("div", { class: "small muted" }, e.question.length > 140 ? e.question.slice(0, 139) + "…" : e.question)))));
    }).catch((err) => replace(box, errorBox(err)));
    return card("Eskalasi", box);
  }

  function downloadsCard(rec) {
    const box = h("div", { id: "request-downloads" }, loading());
    get(`/ops/requests/${enc(rec.request_id)}/downloads`).then((items) => {
      const list = Array.isArray(items) ? items : (items && items.items) || [];
      replace(box, list.length ? h("ul", { class: "plain-list" }, list.slice(-20).reverse().map((d) => h("li", { class: "small" },
        h("div", {}, d.filename || d.deliverable_id),
        h("div", { class: "muted" }, `${d.user_id} · ${fmt.dateTime(d.at)} · tautan berlaku s.d. ${fmt.dateTime(d.expires_at)}`))))
        : h("p", { class: "muted small" }, "Pemohon belum mengunduh berkas."));
    }).catch((err) => replace(box, errorBox(err)));
    return card("Log unduhan", box);
  }

  function forumCard(rec) {
    const box = h("div", {}, loading());
    get("/ops/forum/threads", { request_id: rec.request_id }).then((page) => {
      const items = (page && page.items) || [];
      replace(box,
        items.length ? h("ul", { class: "plain-list" }, items.map((t) => h("li", {},
          link(["forum", t.thread_id], t.title), h("div", { class: "small muted" },
            `${t.post_count} tulisan · terakhir ${fmt.dateTime(t.last_post_at)}`))))
          : h("p", { class: "muted small" }, "Belum ada diskusi tentang permintaan ini."),
        h("a", { class: "btn btn-ghost btn-small", href: `#/forum?request_id=${enc(rec.request_id)}` },
          "Diskusikan di forum"));
    }).catch((err) => replace(box, errorBox(err)));
    return card("Diskusi forum", box);
  }

  view.append(pageHeader(`Permintaan ${id}`, null), loading("Memuat permintaan…"));
  await load();
}

function backLink(ctx) {
  const ops = hasRole(ctx.user, "operator", "supervisor", "admin");
  return h("a", { class: "btn btn-ghost", href: ops ? "#/antrian" : "#/eskalasi" },
    ops ? "← Kembali ke antrian" : "← Kembali ke eskalasi");
}
