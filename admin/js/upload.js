// Upload of a deliverable or a catalog file straight from the browser to S3 with the API's pre-signed POST
// (XMLHttpRequest, so the page can show the upload progress), and the upload form both views use.
import { h, replace, clear } from "./dom.js";
import { errorSummary } from "./api.js";
import * as fmt from "./fmt.js";
import { sha256File } from "./sha256.js";
import { alertBox, announce, showFormError, toast } from "./ui.js";

/** Canonical content type per extension (mirrors chalicelib/delivery/schemas.py ALLOWED_TYPES). */
export const CONTENT_TYPES = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  json: "application/json",
  geojson: "application/geo+json",
  xml: "application/xml",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  zip: "application/zip",
  "7z": "application/x-7z-compressed",
  gz: "application/gzip",
  sav: "application/x-spss-sav",
  zsav: "application/x-spss-sav",
  por: "application/x-spss-por",
  dta: "application/x-stata-dta",
  sas7bdat: "application/x-sas-data",
  rds: "application/octet-stream",
  parquet: "application/vnd.apache.parquet",
  gpkg: "application/geopackage+sqlite3",
};

export function extensionOf(name) {
  const i = String(name).lastIndexOf(".");
  return i > 0 ? String(name).slice(i + 1).toLowerCase() : "";
}

/** A file name the API accepts: letters, digits, space, . _ - ( ); unsafe characters become "_". */
export function safeFilename(name) {
  let n = String(name).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z0-9 ._()-]/g, "_");
  n = n.replace(/\.{2,}/g, ".").replace(/^[^A-Za-z0-9_(]+/, "");
  if (n.length > 120) {
    const ext = extensionOf(n);
    n = n.slice(0, 119 - ext.length) + "." + ext;
  }
  return n.replace(/[. ]+$/, "") || "berkas";
}

/**
 * POST the file to the pre-signed form. onProgress(loaded, total). Resolves on a 2xx answer; rejects with an
 * Error whose message is Indonesian. Returns {abort} through `handle` so the caller can cancel.
 */
export function postToS3(form, file, onProgress, handle = {}) {
  return new Promise((resolve, reject) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(form.fields || {})) data.append(k, v);
    data.append("file", file); // S3 requires the file to be the last field
    const xhr = new XMLHttpRequest();
    handle.abort = () => xhr.abort();
    xhr.open("POST", form.url, true);
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded, ev.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve(xhr.status);
        return;
      }
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText || "");
      const msg = /<Message>([^<]+)<\/Message>/.exec(xhr.responseText || "");
      reject(new Error(`penyimpanan menolak unggahan (HTTP ${xhr.status}${code ? ", " + code[1] : ""}`
        + `${msg ? ": " + msg[1] : ""})`));
    });
    xhr.addEventListener("error", () => reject(new Error("koneksi ke penyimpanan berkas terputus")));
    xhr.addEventListener("abort", () => reject(new Error("unggahan dibatalkan")));
    xhr.addEventListener("timeout", () => reject(new Error("waktu unggah habis")));
    xhr.send(data);
  });
}

/**
 * The upload form of a declared, verified file (a request's deliverable, a catalog item's data file): pick a
 * file, hash it (SHA-256), declare it, POST it to S3 with progress, then poll until the server has verified it.
 * o: { ids: {form, input, name, hint, start, progress, pct, status}, label, hint, startText, progressLabel,
 *      missingText, declare(body) -> grant, list() -> items, draw(items), idOf(item), isLive() -> bool,
 *      readyText(filename), timeoutMs, pollMs, handles (array of the view's running uploads, for abort) }
 */
export function uploadForm(o) {
  const ids = o.ids;
  const fileInput = h("input", { type: "file", name: "file", id: ids.input, class: "file-input",
    accept: Object.keys(CONTENT_TYPES).map((e) => "." + e).join(","), "aria-describedby": ids.hint });
  const fileName = h("span", { class: "file-name", id: ids.name }, "Belum ada berkas dipilih.");
  fileInput.addEventListener("change", () => {
    const f = fileInput.files && fileInput.files[0];
    fileName.textContent = f ? `${f.name} (${fmt.bytes(f.size)})` : "Belum ada berkas dipilih.";
  });
  const start = h("button", { type: "submit", class: "btn btn-primary", id: ids.start }, o.startText);
  const progress = h("progress", { id: ids.progress, max: "100", value: "0", "aria-label": o.progressLabel });
  const pct = h("span", { class: "progress-pct", id: ids.pct }, "");
  const status = h("p", { class: "upload-status", id: ids.status, role: "status", "aria-live": "polite" }, "");
  const box = h("div", { class: "upload-progress", hidden: true }, h("div", { class: "progress-row" }, progress, pct), status);
  const slot = h("div", { class: "form-error" });
  const form = h("form", { class: "upload-form", id: ids.form }, slot,
    h("div", { class: "field" },
      h("span", { class: "label" }, o.label),
      h("div", { class: "file-picker" }, fileInput,
        h("label", { for: ids.input, class: "btn btn-secondary file-button" }, "Pilih berkas…"), fileName),
      h("p", { class: "hint", id: ids.hint }, o.hint)),
    h("div", { class: "btn-row" }, start), box);

  function setProgress(fraction, text) {
    const v = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
    progress.value = v;
    progress.setAttribute("aria-valuetext", `${v}%`);
    pct.textContent = `${v}%`;
    if (text) status.textContent = text;
  }

  async function waitVerified(fileId) {
    const until = Date.now() + (o.timeoutMs || 120000);
    while (Date.now() < until && o.isLive()) {
      try {
        const items = await o.list();
        o.draw(items);
        const f = items.find((x) => o.idOf(x) === fileId);
        if (f && f.status !== "pending") return f;
      } catch {
        /* transient; keep polling */
      }
      await new Promise((r) => setTimeout(r, o.pollMs || 1500));
    }
    return null;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(slot);
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      replace(slot, alertBox("error", o.missingText, "Gagal: belum ada berkas"));
      fileInput.focus();
      return;
    }
    const ext = extensionOf(file.name);
    if (!CONTENT_TYPES[ext]) {
      replace(slot, alertBox("error", `Jenis berkas .${ext || "?"} tidak diizinkan. Gunakan salah satu: `
        + Object.keys(CONTENT_TYPES).join(", ") + ".", "Gagal: jenis berkas"));
      return;
    }
    if (file.size < 1) {
      replace(slot, alertBox("error", "Berkas kosong tidak dapat diunggah.", "Gagal: berkas kosong"));
      return;
    }
    const handle = {};
    const handles = o.handles || [];
    handles.push(handle);
    start.disabled = true; fileInput.disabled = true;
    box.hidden = false;
    box.classList.remove("is-error", "is-done");
    try {
      setProgress(0, "Menghitung checksum SHA-256…");
      const sha256 = await sha256File(file, (f) => setProgress(f, `Menghitung checksum SHA-256… ${Math.round(f * 100)}%`));
      setProgress(0, "Meminta izin unggah…");
      const filename = safeFilename(file.name);
      const grant = await o.declare({ filename, content_type: CONTENT_TYPES[ext], size_bytes: file.size, sha256 });
      setProgress(0, `Mengunggah ${filename} (${fmt.bytes(file.size)})…`);
      await postToS3(grant.upload, file, (loaded, total) => setProgress(loaded / total,
        `Mengunggah ${filename}: ${fmt.bytes(loaded)} dari ${fmt.bytes(total)}`), handle);
      setProgress(1, "Unggahan selesai. Menunggu verifikasi server…");
      announce("Unggahan selesai, menunggu verifikasi.");
      const result = await waitVerified(grant.deliverable_id);
      if (result && result.status === "ready") {
        box.classList.add("is-done");
        status.textContent = o.readyText(filename);
        toast(`Berkas ${filename} terverifikasi.`);
        fileInput.value = "";
        fileName.textContent = "Belum ada berkas dipilih.";
      } else if (result && result.status === "rejected") {
        box.classList.add("is-error");
        status.textContent = `Gagal: berkas ditolak saat verifikasi — ${result.reject_reason || result.reject_code || ""}`;
      } else {
        status.textContent = "Verifikasi masih berjalan. Status berkas akan diperbarui di daftar di atas.";
      }
    } catch (err) {
      box.classList.add("is-error");
      status.textContent = errorSummary(err);
      if (err && err.status !== undefined) showFormError(slot, form, err);
    } finally {
      start.disabled = false; fileInput.disabled = false;
      const i = handles.indexOf(handle);
      if (i >= 0) handles.splice(i, 1);
    }
  });
  return form;
}
