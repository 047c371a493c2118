// Helpdesk forum (staff only): thread list, new thread (optionally linked to a request), thread with posts.
import { h, replace, clear, link } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, field, input, textarea, busy, showFormError, toast, card, emptyState,
  alertBox } from "../ui.js";

const enc = encodeURIComponent;

export async function render(view, params, ctx) {
  if (params.id) return renderThread(view, params.id, ctx);
  return renderList(view, ctx);
}

function hashQuery() {
  const i = window.location.hash.indexOf("?");
  return new URLSearchParams(i >= 0 ? window.location.hash.slice(i + 1) : "");
}

async function renderList(view, ctx) {
  const linked = hashQuery().get("request_id") || "";
  view.append(pageHeader("Forum petugas", "Diskusi internal antarpetugas. Sebut rekan dengan @nama_pengguna agar "
    + "mereka mendapat pemberitahuan."));

  const list = h("div", { id: "forum-threads" }, loading("Memuat diskusi…"));
  const more = h("div", {});
  let cursor = null;

  async function loadPage(reset) {
    try {
      const page = await get("/ops/forum/threads", { page_size: 20, cursor: reset ? undefined : cursor,
        request_id: linked || undefined });
      if (!ctx.isCurrent()) return;
      const items = (page && page.items) || [];
      cursor = page && page.next_cursor;
      const rows = items.map((t) => h("li", { class: "thread-row" },
        h("div", { class: "thread-main" },
          link(["forum", t.thread_id], t.title, { class: "thread-title" }),
          h("div", { class: "small muted" }, `dibuka oleh ${t.author_name || t.author} · ${fmt.dateTime(t.created_at)}`,
            t.request_id ? " · permintaan " : "", t.request_id ? link(["permintaan", t.request_id], t.request_id) : null)),
        h("div", { class: "thread-meta small" },
          h("span", { class: "badge badge-neutral" }, `${t.post_count} tulisan`),
          h("span", { class: "muted" }, `terakhir ${fmt.dateTime(t.last_post_at)}`))));
      if (reset) {
        replace(list, rows.length ? h("ul", { class: "thread-list" }, rows) : emptyState("Belum ada diskusi."));
      } else {
        list.querySelector("ul")?.append(...rows);
      }
      clear(more);
      if (cursor) {
        const b = h("button", { type: "button", class: "btn btn-secondary" }, "Muat lebih banyak");
        b.addEventListener("click", () => busy(b, () => loadPage(false)));
        more.append(b);
      }
    } catch (err) {
      replace(list, errorBox(err, { retry: () => loadPage(true) }));
    }
  }

  const title = input({ name: "title", id: "thread-title", maxlength: 200 });
  const body = textarea({ name: "body", id: "thread-body", rows: 4, maxlength: 5000 });
  const req = input({ name: "request_id", id: "thread-request", maxlength: 64, value: linked });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "thread-submit" }, "Buka diskusi");
  const slot = h("div", { class: "form-error" });
  const form = h("form", { id: "thread-form" }, slot,
    field("Judul", title, { required: true }),
    field("Isi", body, { required: true }),
    field("Nomor permintaan terkait (opsional)", req),
    submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!title.value.trim() || !body.value.trim()) {
      replace(slot, alertBox("error", "Judul dan isi wajib diisi.", "Gagal: isian belum lengkap"));
      (title.value.trim() ? body : title).focus();
      return;
    }
    clear(slot);
    const payload = { title: title.value.trim(), body: body.value.trim() };
    if (req.value.trim()) payload.request_id = req.value.trim();
    try {
      const t = await busy(submit, () => post("/ops/forum/threads", payload), "Menyimpan…");
      toast("Diskusi dibuka.");
      window.location.hash = `#/forum/${enc(t.thread_id)}`;
    } catch (err) {
      showFormError(slot, form, err);
    }
  });

  view.append(h("div", { class: "detail-grid" },
    h("div", { class: "detail-main" }, card(linked ? `Diskusi tentang permintaan ${linked}` : "Diskusi terbaru", list, more)),
    h("div", { class: "detail-aside" }, card("Diskusi baru", form))));
  await loadPage(true);
}

async function renderThread(view, threadId, ctx) {
  view.append(pageHeader("Diskusi", null), loading());
  async function load() {
    let t;
    try {
      t = await get(`/ops/forum/threads/${enc(threadId)}`);
    } catch (err) {
      replace(view, pageHeader("Diskusi", null, h("a", { class: "btn btn-ghost", href: "#/forum" }, "← Forum")),
        errorBox(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    const posts = h("div", { class: "messages", id: "forum-posts" }, (t.posts || []).map((p) =>
      h("article", { class: "message message-staff" },
        h("header", { class: "message-head" },
          h("span", { class: "message-author" }, p.author_name || p.author),
          p.author_role ? h("span", { class: "badge badge-neutral" }, fmt.label(fmt.ROLE, p.author_role)) : null,
          h("time", { datetime: p.at, class: "muted small" }, fmt.dateTime(p.at))),
        h("p", { class: "message-body prewrap" }, p.body))));
    const body = textarea({ name: "body", id: "post-body", rows: 4, maxlength: 5000 });
    const submit = h("button", { type: "submit", class: "btn btn-primary", id: "post-submit" }, "Kirim tanggapan");
    const slot = h("div", { class: "form-error" });
    const form = h("form", { id: "post-form" }, slot, field("Tanggapan", body, { hint: "Gunakan @operator1 untuk menyebut rekan." }), submit);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!body.value.trim()) { replace(slot, alertBox("error", "Tanggapan tidak boleh kosong.", "Gagal")); body.focus(); return; }
      try {
        await busy(submit, () => post(`/ops/forum/threads/${enc(threadId)}/posts`, { body: body.value.trim() }), "Mengirim…");
        toast("Tanggapan terkirim.");
        await load();
        view.querySelector("#post-body")?.focus();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    replace(view,
      pageHeader(t.title, `Dibuka oleh ${t.author_name || t.author} · ${fmt.dateTime(t.created_at)}`,
        h("a", { class: "btn btn-ghost", href: "#/forum" }, "← Forum")),
      t.request_id ? h("p", {}, "Terkait permintaan ", link(["permintaan", t.request_id], t.request_id)) : null,
      card(`${(t.posts || []).length} tulisan`, posts),
      card("Tanggapi", form));
    ctx.setTitle(t.title);
  }
  await load();
}
