// The API client: public calls go without a token (simple CORS requests, cacheable); account calls carry the
// bearer token. Errors keep the API's shape {"error": {"code","message","details"}} plus the HTTP status and,
// for 429, the seconds to wait (Retry-After, or details.retry_after).
import { accessToken, renewAfter401, AuthError } from "./auth.js";

let baseUrl = "";
export function configure(cfg) {
  baseUrl = String(cfg.apiUrl || "").replace(/\/+$/, "");
}

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.details = details;
    this.retryAfter = retryAfter || 0;
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

async function send(method, url, body, token, accept) {
  const headers = { Accept: accept };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(url, init);
}

function retryAfterOf(res, data) {
  const header = Number(res.headers.get("Retry-After"));
  if (header > 0) return header;
  const d = data && data.error && data.error.details;
  const v = d && Number(d.retry_after || d.retry_after_s);
  return v > 0 ? v : 30;
}

async function call(method, path, { body, query, auth = true, accept = "application/json", raw = false } = {}) {
  const url = buildUrl(path, query);
  let res;
  try {
    let token = auth ? await accessToken() : null;
    res = await send(method, url, body, token, accept);
    if (res.status === 401 && auth) {
      token = await renewAfter401();
      res = await send(method, url, body, token, accept);
    }
  } catch (err) {
    if (err instanceof AuthError) throw new ApiError(401, err.code, err.message);
    throw new ApiError(0, "network", "network error");
  }
  if (raw && res.ok) return res;
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, res.status === 401 ? "session_expired" : e.code || `http_${res.status}`,
      e.message || res.statusText, e.details, res.status === 429 ? retryAfterOf(res, data) : 0);
  }
  return data;
}

/** Public (no token): catalog, releases, FAQ. */
export const pub = (path, query) => call("GET", path, { query, auth: false });
/** A public POST without a token (e.g. an open catalog file's download link, issue 19). */
export const pubPost = (path, body = {}) => call("POST", path, { body, auth: false });
export const get = (path, query) => call("GET", path, { query });
export const post = (path, body = {}) => call("POST", path, { body });
export const put = (path, body) => call("PUT", path, { body });
export const del = (path) => call("DELETE", path);

/** Download a PDF (or any file) that needs the token: fetched as a blob, saved under `filename`. */
export async function download(path, filename, accept = "application/pdf") {
  const res = await call("GET", path, { accept, raw: true });
  const blob = await res.blob();
  saveBlob(blob, filename);
}

export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Plain-Indonesian text for every API error of SPEC §4 a member of the public can meet (tests/unit/test_error_texts.py
 * holds it against the codes raised in chalicelib; the staff-only ones are listed there). */
const CODE_TEXT = {
  network: "Server tidak dapat dihubungi. Periksa koneksi internet Anda lalu coba lagi.",
  login_required: "Silakan masuk terlebih dahulu untuk melanjutkan.",
  session_expired: "Sesi Anda telah berakhir. Silakan masuk kembali — isian Anda tetap tersimpan.",
  invalid_input: "Ada isian yang belum benar. Periksa kolom yang ditandai.",
  illegal_transition: "Tindakan ini tidak dapat dilakukan pada tahap permintaan saat ini.",
  already_rated: "Permintaan ini sudah Anda nilai.",
  not_delivered: "Penilaian baru dapat diberikan setelah permintaan dikirim.",
  not_paid: "Tagihan belum dibayar.",
  not_approved: "Permintaan belum disetujui.",
  concurrent_update: "Permintaan baru saja berubah. Muat ulang halaman lalu coba lagi.",
  conflict: "Data telah berubah. Muat ulang halaman lalu coba lagi.",
  duplicate: "Data yang sama sudah ada.",
  payload_too_large: "Isian terlalu besar. Persingkat teks lalu kirim lagi.",
  not_found: "Data yang Anda cari tidak ditemukan. Mungkin alamatnya salah atau data sudah tidak tersedia.",
  forbidden: "Anda tidak berwenang melakukan tindakan ini.",
  unauthorized: "Silakan masuk kembali untuk melanjutkan.",
  invalid_claims: "Sesi masuk Anda tidak valid. Silakan masuk kembali.",
  token_expired: "Sesi Anda telah berakhir. Silakan masuk kembali — isian Anda tetap tersimpan.",
  issuer_unavailable: "Layanan masuk (SSO) sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.",
  auth_misconfigured: "Layanan masuk sedang bermasalah. Coba lagi nanti atau hubungi petugas.",
  directory_unavailable: "Layanan sedang sibuk. Coba lagi beberapa saat lagi.",
  internal_error: "Terjadi gangguan pada server. Silakan coba beberapa saat lagi.",
  service_unavailable: "Layanan sedang tidak tersedia. Silakan coba beberapa saat lagi.",
  too_many_requests: "Terlalu banyak permintaan dalam waktu singkat.",
  // ordering and requests
  agreement_outdated: "Persetujuan penggunaan data telah diperbarui. Baca dan setujui versi terbaru, lalu kirim lagi.",
  unknown_agreement_version: "Versi persetujuan penggunaan data tidak dikenal. Muat ulang halaman lalu setujui kembali.",
  unknown_tariff: "Jenis layanan yang dipilih tidak dikenal. Muat ulang halaman lalu coba lagi.",
  too_many_open_requests: "Anda sudah memiliki banyak permintaan yang masih diproses. Tunggu hingga salah satunya "
    + "selesai, lalu ajukan lagi.",
  not_quotable: "Penawaran harga untuk permintaan ini tidak dapat diproses pada tahap sekarang.",
  no_open_quote: "Tidak ada penawaran harga yang menunggu keputusan Anda.",
  not_returned: "Permohonan Anda tidak sedang menunggu perbaikan.",
  requests_in_progress: "Masih ada permintaan Anda yang sedang diproses dan memerlukan data kontak Anda. Batalkan "
    + "permintaan tersebut atau tunggu hingga selesai.",
  amount_mismatch: "Jumlah pembayaran tidak sesuai dengan tagihan. Petugas akan memeriksanya dan menghubungi Anda.",
  invalid_receipt: "Bukti pembayaran tidak valid.",
  // files
  too_many_attachments: "Jumlah lampiran sudah mencapai batas. Hapus salah satu lampiran terlebih dahulu.",
  file_too_large: "Ukuran berkas melebihi batas unggah.",
  too_large: "Ukuran berkas melebihi batas unggah.",
  file_type_not_allowed: "Jenis berkas ini tidak diterima. Periksa jenis berkas yang diizinkan pada formulir.",
  content_type_mismatch: "Ekstensi nama berkas tidak sesuai dengan isinya. Periksa berkas lalu unggah lagi.",
  not_uploaded: "Berkas belum selesai terunggah. Tunggu sebentar lalu coba lagi.",
  attachment_not_ready: "Lampiran belum siap: hanya lampiran yang sudah diperiksa dari permintaan ini yang dapat dipakai.",
  request_closed: "Permintaan ini sudah ditutup.",
  not_open: "Item ini bukan data terbuka. Pesan item ini untuk menerima berkasnya.",
  download_window_closed: "Masa unduh untuk permintaan ini sudah berakhir. Ajukan permintaan baru bila Anda masih "
    + "memerlukan datanya.",
  // subscriptions and account
  too_many_subscriptions: "Jumlah langganan Anda sudah mencapai batas. Hapus salah satu langganan terlebih dahulu.",
  not_orderable: "Pemesanan otomatis hanya tersedia untuk seri data berbayar.",
  wrong_code: "Kode verifikasi salah. Periksa kembali kode pada e-mail Anda.",
  code_expired: "Kode verifikasi sudah kedaluwarsa. Ubah alamat e-mail sekali lagi untuk menerima kode baru.",
  nothing_to_verify: "Tidak ada alamat e-mail yang menunggu verifikasi.",
};
const STATUS_TEXT = {
  400: "Ada isian yang belum benar. Periksa kembali lalu kirim lagi.",
  401: CODE_TEXT.session_expired,
  403: "Anda tidak berwenang melakukan tindakan ini.",
  404: "Data yang Anda cari tidak ditemukan. Mungkin alamatnya salah atau data sudah tidak tersedia.",
  409: "Tindakan ini tidak dapat dilakukan sekarang karena status data sudah berubah.",
  413: CODE_TEXT.payload_too_large,
  429: "Terlalu banyak permintaan dalam waktu singkat.",
};

/** "45 detik", "40 menit", "2 jam": a wait in the unit a reader would use (hourly limits answer up to 3,600 s). */
function waitText(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s < 90) return `${s} detik`;
  if (s < 90 * 60) return `${Math.ceil(s / 60)} menit`;
  return `${Math.ceil(s / 3600)} jam`;
}

export function errorText(err) {
  // the page's own checks throw plain Errors worded for the reader; anything else (a failed upload's fetch, a bug)
  // must not show the browser's English message
  if (!(err instanceof ApiError)) {
    if (err && err.name === "Error" && err.message) return err.message;
    return err instanceof TypeError ? CODE_TEXT.network : "Terjadi kesalahan pada halaman. Muat ulang lalu coba lagi.";
  }
  if (err.code === "too_many_open_requests") return CODE_TEXT.too_many_open_requests;  // a cap, not a rate
  if (err.status === 429) return `${STATUS_TEXT[429]} Coba lagi dalam ${waitText(err.retryAfter)}.`;
  if (err.status === 404) return STATUS_TEXT[404];
  if (CODE_TEXT[err.code]) return CODE_TEXT[err.code];
  if (STATUS_TEXT[err.status]) return STATUS_TEXT[err.status];
  if (err.status >= 500) return "Terjadi gangguan pada server. Silakan coba beberapa saat lagi.";
  return `Permintaan gagal (HTTP ${err.status}).`;
}

/** pydantic's error types in plain Indonesian (its own messages are English). */
const FIELD_TEXT = {
  missing: "wajib diisi", string_too_short: "masih kosong atau terlalu pendek", string_too_long: "terlalu panjang",
  string_pattern_mismatch: "formatnya tidak sesuai", string_type: "harus berupa teks", too_long: "terlalu banyak",
  too_short: "terlalu sedikit", int_parsing: "harus berupa angka", int_type: "harus berupa angka",
  greater_than_equal: "nilainya terlalu kecil", less_than_equal: "nilainya terlalu besar",
  greater_than: "nilainya terlalu kecil", less_than: "nilainya terlalu besar", literal_error: "pilihan tidak dikenal",
  enum: "pilihan tidak dikenal", extra_forbidden: "tidak dikenal", bool_parsing: "harus ya atau tidak",
  bool_type: "harus ya atau tidak", url_parsing: "alamat web tidak valid", datetime_parsing: "tanggal tidak valid",
  date_parsing: "tanggal tidak valid",
};

/** Field-level messages of a 400 (pydantic details), as [field, message in Indonesian]. */
export function fieldErrors(err) {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return err.details.filter((d) => d && typeof d === "object").slice(0, 10).map((d) => [
    Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body" && x !== "root" && typeof x === "string").pop() || "" : "",
    FIELD_TEXT[d.type] || "isian belum benar",
  ]);
}
