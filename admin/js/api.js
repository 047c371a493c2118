// The API client: bearer token, JSON in/out, the API's error shape {"error": {"code","message","details"}}.
import { accessToken, renewAfter401 } from "./auth.js";

let baseUrl = "";

export function configure(cfg) {
  baseUrl = String(cfg.apiUrl || "").replace(/\/+$/, "");
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.details = details;
  }
}

function buildUrl(path, query) {
  const url = new URL(baseUrl + path);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "") continue;
    url.searchParams.set(k, String(v));
  }
  return url.toString();
}

async function send(method, url, body, token) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(url, init);
}

/** api("GET", "/ops/queue") → parsed JSON; throws ApiError (status 0 when the API cannot be reached). */
export async function api(method, path, body, query) {
  const url = buildUrl(path, query);
  let res;
  let text = "";
  let data = null;
  // a 409 "concurrent_update" means nothing was changed and the server asks to retry: do so, briefly
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      res = await send(method, url, body, await accessToken());
      if (res.status === 401) res = await send(method, url, body, await renewAfter401());
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(0, "network", "network error (no response, or the response was blocked)");
    }
    text = await res.text();
    data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!(res.status === 409 && data && data.error && data.error.code === "concurrent_update")) break;
    await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const message = err.message || (data && data.message) || res.statusText;
    throw new ApiError(res.status, err.code || `http_${res.status}`, message, err.details);
  }
  return data;
}

/** GET a file (a CSV export) with the bearer token → its Blob; throws Error (Indonesian) on a non-2xx answer. */
export async function getBlob(path, query) {
  const url = buildUrl(path, query);
  let res = await fetch(url, { headers: { Authorization: `Bearer ${await accessToken()}` }, cache: "no-store" });
  if (res.status === 401) {
    res = await fetch(url, { headers: { Authorization: `Bearer ${await renewAfter401()}` }, cache: "no-store" });
  }
  if (!res.ok) throw new Error(`server menjawab HTTP ${res.status}`);
  return res.blob();
}

export const get = (path, query) => api("GET", path, undefined, query);
export const post = (path, body = {}) => api("POST", path, body);
export const put = (path, body) => api("PUT", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

const STATUS_TEXT = {
  0: "Tidak ada koneksi",
  400: "Data tidak valid",
  401: "Sesi tidak berlaku",
  403: "Akses ditolak",
  404: "Tidak ditemukan",
  405: "Fitur belum tersedia di server",
  409: "Konflik",
  413: "Ukuran data terlalu besar",
  429: "Terlalu banyak permintaan, coba lagi sebentar lagi",
};

const CODE_TEXT = {
  network: "Server API tidak dapat dihubungi, atau layanan ini belum tersedia. Periksa koneksi lalu coba lagi.",
  not_found: "Data yang diminta tidak ditemukan.",
  forbidden: "Anda tidak berwenang melakukan tindakan ini.",
  invalid_input: "Isian tidak valid. Periksa kembali kolom yang ditandai.",
  illegal_transition: "Perubahan status ini tidak diizinkan pada tahap permintaan sekarang.",
  conflict: "Data telah berubah oleh pengguna lain. Muat ulang lalu coba lagi.",
  no_deliverables: "Permintaan data memerlukan minimal satu berkas hasil sebelum diselesaikan.",
  deliverables_not_ready: "Semua berkas hasil harus sudah terunggah dan terverifikasi sebelum diselesaikan.",
  already_decided: "Permintaan ini sudah diputuskan.",
  already_rated: "Permintaan ini sudah dinilai.",
  payload_too_large: "Ukuran data melebihi batas.",
  concurrent_update: "Permintaan baru saja diubah oleh proses lain. Muat ulang lalu coba lagi.",
  duplicate: "Data dengan kode yang sama sudah ada.",
  already_answered: "Eskalasi ini sudah dijawab.",
  too_many_deliverables: "Jumlah berkas sudah mencapai batas; hapus berkas lama terlebih dahulu.",
  too_large: "Ukuran berkas melebihi batas unggah.",
  file_too_large: "Ukuran berkas melebihi batas unggah.",
  operator_at_quota: "Operator tujuan sudah mencapai kuota permintaan dalam proses.",
  not_in_progress: "Berkas hanya dapat diubah selama permintaan sedang ditangani.",
  not_delivered: "Permintaan belum dikirim ke pemohon.",
  not_paid: "Permintaan belum dibayar.",
  not_approved: "Permintaan belum disetujui.",
  token_expired: "Sesi telah berakhir. Silakan masuk kembali.",
  issuer_unavailable: "Layanan SSO sedang tidak dapat dihubungi.",
  too_many_requests: "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
  not_planned: "Item ini tidak berstatus direncanakan (sudah terbit atau ditarik).",
  not_resolved: "Konsultasi belum selesai dijawab; hanya konsultasi yang selesai dapat dijadikan FAQ.",
  not_a_consultation: "Hanya konsultasi yang dapat dijadikan FAQ.",
  already_reviewed: "Usulan FAQ ini sudah ditinjau.",
};

/** Indonesian headline of an error, e.g. "Gagal: Konflik — Data telah berubah …". */
export function errorSummary(err) {
  if (!(err instanceof ApiError)) return `Gagal: ${err && err.message ? err.message : String(err)}`;
  if ([403, 404, 405].includes(err.status) && err.code.startsWith("http_")) {
    return `Gagal: layanan ini belum tersedia di server API (HTTP ${err.status}).`;
  }
  const head = STATUS_TEXT[err.status] || (err.status >= 500 ? "Kesalahan pada server" : `HTTP ${err.status}`);
  const text = CODE_TEXT[err.code];
  return text ? `Gagal: ${head} — ${text}` : `Gagal: ${head}`;
}

/** The server's own message and field errors (shown under the summary). */
export function errorDetails(err) {
  const out = [];
  if (err instanceof ApiError) {
    if (err.message) out.push(`Pesan server: ${err.message}${err.code ? ` (kode: ${err.code})` : ""}`);
    if (Array.isArray(err.details)) {
      for (const d of err.details.slice(0, 10)) {
        if (d && typeof d === "object") {
          const loc = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body" && x !== "root").join(".") : "";
          out.push(`${loc ? loc + ": " : ""}${d.msg || JSON.stringify(d)}`);
        } else {
          out.push(String(d));
        }
      }
    } else if (err.details && typeof err.details === "object") {
      for (const [k, v] of Object.entries(err.details).slice(0, 10)) {
        out.push(`${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v}`);
      }
    }
  }
  return out;
}

/** Field names (last path element) the API flagged as invalid. */
export function invalidFields(err) {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return err.details.filter((d) => d && Array.isArray(d.loc)).map((d) => d.loc.filter((x) => x !== "body").join("."));
}
