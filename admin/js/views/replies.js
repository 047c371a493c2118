// Balasan siap pakai (canned replies): supervisors manage the templates per topic; operators insert one, filled
// for the request by the API (GET /ops/requests/{id}/replies/{reply_id}), into the reply box as plain text.
import { h, replace, clear } from "../dom.js";
import { get, post, put, del, errorSummary } from "../api.js";
import { hasRole } from "../auth.js";
import {
  pageHeader, errorBox, loading, field, input, textarea, select, busy, toast, showFormError, emptyState, card,
  alertBox,
} from "../ui.js";

const enc = encodeURIComponent;
export const TOPICS = [["data", "Konsultasi data"], ["metadata", "Metadata & rekomendasi statistik"],
  ["classification", "Klasifikasi"], ["data_order", "Permintaan data"], ["complaint", "Pengaduan"],
  ["general", "Umum"]];
const TOPIC_NAME = Object.fromEntries(TOPICS);

function topicOf(rec) {
  if (rec.kind === "consultation") return rec.topic || "general";
  return rec.kind === "data_order" || rec.kind === "complaint" ? rec.kind : "general";
}

/** The picker above a request's reply box: choose a reply, insert it (filled for this request) at the cursor. */
export function replyPicker(rec, body, onInsert) {
  const sel = h("select", { id: "reply-template", name: "reply_template" }, h("option", { value: "" }, "Memuat…"));
  const insert = h("button", { type: "button", class: "btn btn-secondary btn-small", id: "reply-insert" },
    "Sisipkan");
  const box = h("div", { class: "form-row reply-templates" },
    field("Balasan siap pakai", sel, { hint: "Nama pemohon, nomor, dan tautan diisi otomatis." }),
    h("div", { class: "field field-button" }, insert));
  get("/ops/replies").then((page) => {
    const items = (page && page.items) || [];
    const mine = topicOf(rec);
    const sorted = [...items.filter((r) => r.topic === mine), ...items.filter((r) => r.topic !== mine)];
    replace(sel, h("option", { value: "" }, items.length ? "— pilih balasan —" : "Belum ada balasan siap pakai"),
      sorted.map((r) => h("option", { value: r.reply_id }, `${r.title} (${TOPIC_NAME[r.topic] || r.topic})`)));
  }).catch(() => replace(sel, h("option", { value: "" }, "Balasan siap pakai tidak dapat dimuat")));
  insert.addEventListener("click", async () => {
    if (!sel.value) { sel.focus(); return; }
    try {
      const out = await busy(insert, () => get(`/ops/requests/${enc(rec.request_id)}/replies/${enc(sel.value)}`),
        "Menyisipkan…");
      const start = body.selectionStart ?? body.value.length;
      const end = body.selectionEnd ?? body.value.length;
      // .value: plain text, never parsed as markup
      body.value = body.value.slice(0, start) + out.body + body.value.slice(end);
      body.dispatchEvent(new Event("input"));
      body.focus();
      const at = start + out.body.length;
      body.setSelectionRange(at, at);
      if (onInsert) onInsert(out);
      toast(`Balasan "${out.title}" disisipkan. Periksa sebelum mengirim.`, "info");
    } catch (err) {
      toast(errorSummary(err), "error");
    }
  });
  return box;
}

export async function render(view, _params, ctx) {
  const supervisor = hasRole(ctx.user, "supervisor");
  const list = h("div", { id: "replies-list" }, loading("Memuat balasan…"));
  const formSlot = h("div", { id: "reply-editor" });
  view.append(pageHeader("Balasan siap pakai", "Templat jawaban per topik. Variabel seperti {{nama_pemohon}}, "
    + "{{id_permintaan}}, dan {{tautan_permintaan}} diisi otomatis saat disisipkan ke balasan."), formSlot, list);
  let variables = [];

  function editor(existing) {
    const title = input({ name: "title", id: "reply-title", maxlength: 120, required: true, value: existing?.title || "" });
    const topic = select(TOPICS, { name: "topic", id: "reply-topic" }, existing?.topic || "general");
    const body = textarea({ name: "body", id: "reply-body-template", rows: 7, maxlength: 5000, required: true },
      existing?.body || "");
    const active = h("input", { type: "checkbox", id: "reply-active", name: "active", checked: existing ? existing.active : true });
    const slot = h("div", { class: "form-error" });
    const save = h("button", { type: "submit", class: "btn btn-primary", id: "reply-save" },
      existing ? "Simpan perubahan" : "Tambah balasan");
    const cancel = h("button", { type: "button", class: "btn btn-ghost" }, "Batal");
    cancel.addEventListener("click", () => { clear(formSlot); });
    const vars = h("p", { class: "hint" }, "Variabel: ", variables.map((v, i) => [i ? ", " : "",
      h("code", {}, `{{${v.name}}}`), ` (${v.description})`]));
    const form = h("form", { class: "card action-form", id: "reply-form-editor", "aria-label": "Balasan siap pakai" },
      h("h2", { class: "card-title" }, existing ? `Ubah: ${existing.title}` : "Balasan baru"), slot,
      field("Judul", title, { required: true }), field("Topik", topic),
      field("Isi balasan", body, { required: true }), vars,
      h("label", { class: "check", for: "reply-active" }, active, h("span", {}, "Aktif (ditampilkan ke operator)")),
      h("div", { class: "btn-row" }, save, cancel));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clear(slot);
      const payload = { title: title.value, topic: topic.value, body: body.value, active: active.checked };
      try {
        await busy(save, () => existing ? put(`/ops/replies/${enc(existing.reply_id)}`, payload)
          : post("/ops/replies", payload), "Menyimpan…");
        toast(existing ? "Balasan diperbarui." : "Balasan ditambahkan.");
        clear(formSlot);
        await load();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    replace(formSlot, form);
    title.focus();
  }

  async function load() {
    let page;
    try {
      page = await get("/ops/replies", supervisor ? { include_inactive: true } : {});
    } catch (err) {
      replace(list, errorBox(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    variables = page.variables || [];
    const add = h("button", { type: "button", class: "btn btn-primary", id: "reply-new" }, "Tambah balasan");
    add.addEventListener("click", () => editor(null));
    const items = page.items || [];
    replace(list, supervisor ? h("div", { class: "btn-row" }, add) : null,
      items.length ? TOPICS.map(([code, name]) => {
        const rows = items.filter((r) => r.topic === code);
        if (!rows.length) return null;
        return card(name, h("ul", { class: "plain-list" }, rows.map((r) => {
          const li = h("li", { dataset: { reply: r.reply_id } },
            h("div", {}, h("strong", {}, r.title), r.active ? null : h("span", { class: "badge badge-neutral" }, " Nonaktif")),
            h("p", { class: "prewrap small" }, r.body));
          if (supervisor) {
            const edit = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Ubah ${r.title}` }, "Ubah");
            edit.addEventListener("click", () => editor(r));
            const remove = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Hapus ${r.title}` }, "Hapus");
            remove.addEventListener("click", async () => {
              if (!window.confirm(`Hapus balasan "${r.title}"?`)) return;
              try {
                await busy(remove, () => del(`/ops/replies/${enc(r.reply_id)}`), "Menghapus…");
                toast("Balasan dihapus.");
                await load();
              } catch (err) { toast(errorSummary(err), "error"); }
            });
            li.append(h("div", { class: "btn-row" }, edit, remove));
          }
          return li;
        })));
      }) : emptyState(supervisor ? "Belum ada balasan siap pakai. Tambahkan yang pertama."
        : "Belum ada balasan siap pakai. Supervisor dapat menambahkannya."),
      supervisor ? null : alertBox("info", "Balasan siap pakai dikelola oleh supervisor."));
  }
  await load();
}
