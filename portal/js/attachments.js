// Consumer attachments (issue 19): a document (PDF/JPEG/PNG, at most 10 MB) attached to one's request — declared
// with its SHA-256, uploaded straight to storage through the pre-signed form, then verified by the API.
import { get, post, del } from "./api.js";

export const TYPES = { "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG" };
export const MAX_BYTES = 10 * 1024 * 1024;
export const PURPOSE = {
  supporting: "Dokumen pendukung",
  zero_rupiah_justification: "Surat dasar pembebasan biaya",
  message: "Lampiran percakapan",
};

async function sha256(file) {
  const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Check a chosen file before anything is sent; returns the problem in plain words, or "". */
export function problem(file) {
  if (!file) return "Pilih berkas terlebih dahulu.";
  if (!TYPES[file.type]) return "Jenis berkas tidak diterima: unggah PDF, JPEG, atau PNG.";
  if (file.size > MAX_BYTES) return "Berkas terlalu besar: paling besar 10 MB.";
  if (!file.size) return "Berkas kosong.";
  return "";
}

function safeName(name) {
  const cleaned = name.replace(/[^A-Za-z0-9 ._()-]/g, "_").replace(/^[^A-Za-z0-9_(]+/, "").slice(-120);
  return cleaned || "dokumen.pdf";
}

/** Declare, upload and verify one file; resolves to the attachment as verified (status ready or rejected). */
export async function upload(requestId, file, purpose = "supporting") {
  const rid = encodeURIComponent(requestId);
  const out = await post(`/requests/${rid}/attachments`, {
    filename: safeName(file.name), content_type: file.type, size_bytes: file.size, sha256: await sha256(file), purpose,
  });
  const form = new FormData();
  for (const [k, v] of Object.entries(out.upload.fields)) form.append(k, v);
  form.append("file", file);
  const resp = await fetch(out.upload.url, { method: "POST", body: form });
  if (!resp.ok) throw new Error("Unggahan ke penyimpanan gagal. Coba lagi.");
  return post(`/requests/${rid}/attachments/${encodeURIComponent(out.attachment_id)}/verify`);
}

export const list = (requestId) => get(`/requests/${encodeURIComponent(requestId)}/attachments`);
export const remove = (requestId, id) => del(`/requests/${encodeURIComponent(requestId)}/attachments/${encodeURIComponent(id)}`);
