// Catalog management (admins): search the catalog, create an item, edit an item.
import { h, replace, clear, link } from "../dom.js";
import { get, post, put, del, errorSummary } from "../api.js";
import * as fmt from "../fmt.js";
import { PROVINCES } from "../regions.js";
import { uploadForm } from "../upload.js";
import { pageHeader, errorBox, loading, field, input, textarea, select, busy, showFormError, toast, card, emptyState,
  alertBox } from "../ui.js";

const enc = encodeURIComponent;

export async function render(view, params, ctx) {
  if (params.id) return renderForm(view, params.id === "baru" ? null : params.id, ctx);
  return renderList(view, ctx);
}

async function renderList(view, ctx) {
  const add = h("a", { class: "btn btn-primary", href: "#/katalog/baru", id: "catalog-new" }, "+ Item katalog baru");
  view.append(pageHeader("Katalog data", "Kelola item katalog: tabel statis dan dinamis, publikasi, mikrodata, dan "
    + "peta Wilkerstat. Perubahan masuk ke indeks pencarian dalam beberapa detik.", add));
  const q = h("input", { type: "search", name: "q", id: "catalog-q", placeholder: "Judul, subjek, wilayah…" });
  const type = select([["", "Semua jenis"], ...Object.entries(fmt.ITEM_TYPE)], { name: "type", id: "catalog-type" });
  const go = h("button", { type: "submit", class: "btn btn-primary" }, "Cari");
  const form = h("form", { class: "filters", role: "search", "aria-label": "Cari katalog" },
    field("Kata kunci", q), field("Jenis", type), h("div", { class: "field field-button" }, go));
  const list = h("div", { id: "catalog-list" }, loading());
  const pager = h("div", { class: "btn-row" });
  const total = h("p", { class: "muted small", "aria-live": "polite" });
  view.append(form, card("Hasil", total, list, pager));
  let page = 1;

  async function load() {
    replace(list, loading());
    try {
      const res = await get("/catalog/search", { q: q.value.trim(), type: type.value, page, page_size: 20 });
      if (!ctx.isCurrent()) return;
      total.textContent = `${fmt.number(res.total)} item ditemukan · halaman ${page}`;
      const items = res.items || [];
      replace(list, items.length ? h("div", { class: "table-wrap" }, h("table", { class: "table" },
        h("thead", {}, h("tr", {}, ["Kode", "Judul", "Jenis", "Wilayah", "Tahun", "Tarif", "Akses"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, items.map((it) => h("tr", {},
          h("td", { "data-label": "Kode" }, h("code", {}, it.id)),
          h("th", { scope: "row", "data-label": "Judul" }, link(["katalog", it.id], it.title)),
          h("td", { "data-label": "Jenis" }, fmt.label(fmt.ITEM_TYPE, it.type)),
          h("td", { "data-label": "Wilayah" }, it.region),
          h("td", { "data-label": "Tahun" }, String(it.year)),
          h("td", { "data-label": "Tarif", class: "num" }, it.price_idr ? fmt.rupiah(it.price_idr) : "Gratis"),
          h("td", { "data-label": "Akses" }, fmt.label(fmt.ACCESS, it.access))))))) : emptyState("Tidak ada item yang cocok."));
      clear(pager);
      if (page > 1) {
        const b = h("button", { type: "button", class: "btn btn-secondary" }, "‹ Sebelumnya");
        b.addEventListener("click", () => { page -= 1; load(); });
        pager.append(b);
      }
      if (page * 20 < res.total) {
        const b = h("button", { type: "button", class: "btn btn-secondary" }, "Berikutnya ›");
        b.addEventListener("click", () => { page += 1; load(); });
        pager.append(b);
      }
    } catch (err) {
      replace(list, errorBox(err, { retry: load }));
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); page = 1; load(); });
  await load();
}

async function renderForm(view, id, ctx) {
  const title = id ? `Ubah item ${id}` : "Item katalog baru";
  view.append(pageHeader(title, null, h("a", { class: "btn btn-ghost", href: "#/katalog" }, "← Katalog")));
  let item = null;
  if (id) {
    const wait = loading();
    view.append(wait);
    try {
      item = await get(`/catalog/items/${enc(id)}`);
    } catch (err) {
      wait.replaceWith(errorBox(err));
      return;
    }
    wait.remove();
  }
  if (!ctx.isCurrent()) return;
  const v = item || { type: "table_static", level: "nasional", region: "Indonesia", region_code: "0000", access: "open",
    price_idr: 0, format: "xlsx", status: "published", year: new Date().getFullYear(), release_date: fmt.localDay(),
    size_bytes: 0 };

  const f = {
    id: input({ name: "id", maxlength: 64, value: id || "", pattern: "[A-Za-z0-9_.:-]+", disabled: Boolean(id) }),
    type: select(Object.entries(fmt.ITEM_TYPE), { name: "type" }, v.type),
    title: input({ name: "title", maxlength: 300, value: v.title || "" }),
    abstract: textarea({ name: "abstract", rows: 4, maxlength: 5000 }, v.abstract || ""),
    subject: input({ name: "subject", maxlength: 300, value: v.subject || "" }),
    level: select(Object.entries(fmt.LEVEL), { name: "level" }, v.level),
    province: select([["", "— pilih provinsi —"], ...PROVINCES.map(([c, n]) => [c, `${c} · ${n}`])], { name: "province" }),
    region_code: input({ name: "region_code", maxlength: 10, value: v.region_code || "", pattern: "[0-9]{2,10}" }),
    region: input({ name: "region", maxlength: 300, value: v.region || "" }),
    year: input({ type: "number", name: "year", min: 1900, max: 2100, value: v.year }),
    period: input({ name: "period", maxlength: 100, value: v.period || "" }),
    format: input({ name: "format", maxlength: 20, value: v.format || "" }),
    size_bytes: input({ type: "number", name: "size_bytes", min: 0, value: v.size_bytes || 0 }),
    price_idr: input({ type: "number", name: "price_idr", min: 0, step: 1, value: v.price_idr || 0 }),
    access: select(Object.entries(fmt.ACCESS), { name: "access" }, v.access),
    release_date: input({ type: "date", name: "release_date", value: String(v.release_date || "").slice(0, 10) }),
    series_id: input({ name: "series_id", maxlength: 100, value: v.series_id || "" }),
    status: select(Object.entries(fmt.ITEM_STATUS), { name: "status" }, v.status),
  };
  if (v.level === "provinsi") f.province.value = v.region_code;

  function syncRegion() {
    const lvl = f.level.value;
    f.province.closest(".field").hidden = lvl !== "provinsi";
    f.region_code.readOnly = lvl !== "kabupaten_kota";
    f.region.readOnly = lvl !== "kabupaten_kota";
    if (lvl === "nasional") { f.region_code.value = "0000"; f.region.value = "Indonesia"; }
    if (lvl === "provinsi" && f.province.value) {
      f.region_code.value = f.province.value;
      f.region.value = PROVINCES.find(([c]) => c === f.province.value)[1];
    }
  }
  function syncAccess() {
    if (f.type.value === "microdata") f.access.value = "restricted";
    if (f.access.value === "open") f.price_idr.value = "0";
    f.price_idr.readOnly = f.access.value === "open";
  }
  f.level.addEventListener("change", syncRegion);
  f.province.addEventListener("change", syncRegion);
  f.type.addEventListener("change", syncAccess);
  f.access.addEventListener("change", syncAccess);

  const slot = h("div", { class: "form-error", id: "catalog-error" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", id: "catalog-save" }, id ? "Simpan perubahan" : "Tambahkan ke katalog");
  const form = h("form", { id: "catalog-form", novalidate: true }, slot,
    h("fieldset", {}, h("legend", {}, "Identitas"),
      h("div", { class: "form-grid" },
        field("Kode item", f.id, { hint: id ? "Kode tidak dapat diubah." : "Kosongkan agar dibuat otomatis." }),
        field("Jenis", f.type, { required: true }),
        field("Status", f.status),
        field("Judul", f.title, { required: true, className: "span-2" }),
        field("Subjek", f.subject, { required: true }),
        field("Seri (opsional)", f.series_id)),
      field("Abstrak", f.abstract)),
    h("fieldset", {}, h("legend", {}, "Cakupan"),
      h("div", { class: "form-grid" },
        field("Tingkat wilayah", f.level),
        field("Provinsi", f.province),
        field("Kode wilayah BPS", f.region_code),
        field("Nama wilayah", f.region),
        field("Tahun data", f.year, { required: true }),
        field("Periode (mis. Triwulan I)", f.period))),
    h("fieldset", {}, h("legend", {}, "Akses dan berkas"),
      h("div", { class: "form-grid" },
        field("Akses", f.access, { hint: "Mikrodata selalu terbatas; item terbuka selalu gratis." }),
        field("Tarif PNBP (Rp)", f.price_idr),
        field("Format", f.format, { required: true }),
        field("Ukuran (byte)", f.size_bytes),
        field("Tanggal rilis", f.release_date, { required: true }))),
    h("div", { class: "btn-row" }, submit));
  syncRegion();
  syncAccess();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(slot);
    const missing = ["title", "subject", "year", "format", "release_date"].filter((k) => !String(f[k].value).trim());
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    if (missing.length) {
      for (const k of missing) f[k].setAttribute("aria-invalid", "true");
      replace(slot, alertBox("error", "Lengkapi kolom bertanda *.", "Gagal: isian belum lengkap"));
      f[missing[0]].focus();
      return;
    }
    const body = {
      type: f.type.value, title: f.title.value.trim(), abstract: f.abstract.value.trim(), subject: f.subject.value.trim(),
      region_code: f.region_code.value.trim(), region: f.region.value.trim(), level: f.level.value,
      year: Number(f.year.value), period: f.period.value.trim(), format: f.format.value.trim(),
      size_bytes: Number(f.size_bytes.value || 0), price_idr: Number(f.price_idr.value || 0), access: f.access.value,
      release_date: f.release_date.value, status: f.status.value,
    };
    if (f.series_id.value.trim()) body.series_id = f.series_id.value.trim();
    if (!id && f.id.value.trim()) body.id = f.id.value.trim();
    try {
      const saved = await busy(submit, () => (id ? put(`/ops/catalog/items/${enc(id)}`, body) : post("/ops/catalog/items", body)),
        "Menyimpan…");
      toast(id ? `Item ${saved.id} diperbarui.` : `Item ${saved.id} ditambahkan ke katalog.`);
      if (!id) window.location.hash = `#/katalog/${enc(saved.id)}`;
      else replace(slot, h("div", { class: "alert alert-success", role: "status" }, `Tersimpan ${fmt.dateTime(saved.updated_at)}.`));
    } catch (err) {
      showFormError(slot, form, err);
    }
  });
  view.append(card(id ? "Data item" : "Data item baru", form));
  if (id && v.type !== "microdata") view.append(filesCard(id, ctx));
}

// --- data files of the item (issue 19): attach, list, remove ------------------------------------------------
const VERIFY_TIMEOUT_MS = 60000;

function filesCard(itemId, ctx) {
  const base = `/ops/catalog/items/${enc(itemId)}/files`;
  const list = h("div", { id: "catalog-files" }, loading("Memuat berkas…"));
  const form = uploadForm({
    ids: { form: "catalog-file-form", input: "catalog-file", name: "catalog-file-name", hint: "catalog-file-hint",
      start: "catalog-file-upload", progress: "catalog-file-progress", pct: "catalog-file-pct",
      status: "catalog-file-status" },
    label: "Berkas data",
    hint: "Berkas diunggah langsung ke penyimpanan aman dan diverifikasi (ukuran, jenis, SHA-256). Item terbuka "
      + "dapat langsung diunduh siapa saja; pesanan item berberkas dikirim otomatis begitu gratis atau lunas, tanpa "
      + "menunggu petugas.",
    startText: "Lampirkan berkas", progressLabel: "Kemajuan unggahan berkas data",
    missingText: "Pilih berkas yang akan dilampirkan.",
    declare: (body) => post(base, body), list: () => get(base), draw, idOf: (f) => f.file_id,
    isLive: () => ctx.isCurrent(), readyText: (filename) => `Berkas ${filename} terverifikasi dan tersedia.`,
    timeoutMs: VERIFY_TIMEOUT_MS, pollMs: 1000,
  });

  async function load() {
    try {
      draw(await get(base));
    } catch (err) {
      replace(list, errorBox(err, { retry: load }));
    }
  }

  function draw(items) {
    const shown = (items || []).filter((f) => f.status !== "deleted");
    if (!shown.length) {
      replace(list, emptyState("Belum ada berkas data. Pesanan item ini ditangani petugas."));
      return shown;
    }
    replace(list, h("div", { class: "table-wrap" }, h("table", { class: "table table-compact table-cards", id: "catalog-files-table" },
      h("caption", { class: "visually-hidden" }, "Berkas data item"),
      h("thead", {}, h("tr", {}, ["Berkas", "Ukuran", "Status", "Waktu", "Tindakan"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, shown.map((f) => h("tr", { dataset: { file: f.file_id, status: f.status } },
        h("td", { "data-label": "Berkas" }, h("div", {}, f.filename),
          h("div", { class: "muted small mono", title: "SHA-256" }, `SHA-256 ${String(f.sha256 || "").slice(0, 16)}…`)),
        h("td", { "data-label": "Ukuran", class: "num" }, fmt.bytes(f.size_bytes)),
        h("td", { "data-label": "Status" },
          h("span", { class: `badge badge-dlv-${f.status}` }, fmt.label(fmt.DELIVERABLE, f.status)),
          f.status === "rejected" ? h("div", { class: "small text-danger" }, f.reject_reason || f.reject_code) : null),
        h("td", { "data-label": "Waktu", class: "small" }, fmt.dateTime(f.verified_at || f.uploaded_at || f.created_at)),
        h("td", { "data-label": "Tindakan" }, removeButton(f))))))));
    return shown;
  }

  function removeButton(f) {
    const b = h("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Hapus berkas ${f.filename}` },
      "Hapus");
    b.addEventListener("click", async () => {
      if (!window.confirm(`Hapus berkas ${f.filename}? Berkas tidak lagi ditawarkan; pesanan yang sudah terkirim `
        + "tetap dapat mengunduhnya.")) return;
      try {
        await busy(b, () => del(`${base}/${enc(f.file_id)}`), "Menghapus…");
        toast(`Berkas ${f.filename} dihapus.`);
        await load();
      } catch (err) {
        toast(errorSummary(err), "error");
      }
    });
    return b;
  }

  load();
  return card("Berkas data", list, form);
}
