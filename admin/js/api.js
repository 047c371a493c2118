// The API client: bearer token, JSON in/out, the API's error shape {"error": {"code","message","details"}}.
import { accessToken, renewAfter401 } from "./auth.js";
import { STATUS, label } from "./fmt.js";

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
  410: "Sudah tidak tersedia",
  413: "Ukuran data terlalu besar",
  429: "Terlalu banyak permintaan, coba lagi sebentar lagi",
  503: "Layanan sedang tidak tersedia",
};

/** Indonesian text for every error code the API sends (SPEC §4); tests/unit/test_error_texts.py holds this list
 * against the codes raised in chalicelib, so no staff member reads the API's English message. */
const CODE_TEXT = {
  network: "Server API tidak dapat dihubungi, atau layanan ini belum tersedia. Periksa koneksi lalu coba lagi.",
  internal_error: "Terjadi kesalahan pada server. Coba lagi beberapa saat lagi.",
  service_unavailable: "Layanan sedang tidak tersedia. Coba lagi beberapa saat lagi.",
  unauthorized: "Anda belum masuk atau sesi tidak berlaku. Silakan masuk kembali.",
  invalid_claims: "Token masuk tidak valid. Silakan masuk kembali.",
  token_expired: "Sesi telah berakhir. Silakan masuk kembali.",
  issuer_unavailable: "Layanan SSO sedang tidak dapat dihubungi.",
  auth_misconfigured: "Pemetaan peran dari layanan SSO salah dikonfigurasi. Hubungi pengelola sistem.",
  directory_unavailable: "Direktori pegawai sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
  not_found: "Data yang diminta tidak ditemukan.",
  forbidden: "Anda tidak berwenang melakukan tindakan ini.",
  invalid_input: "Isian tidak valid. Periksa kembali kolom yang ditandai.",
  illegal_transition: "Perubahan status ini tidak diizinkan pada tahap permintaan sekarang.",
  illegal_action: "Tindakan ini tidak tersedia untuk tugas ini.",
  conflict: "Data telah berubah oleh pengguna lain. Muat ulang lalu coba lagi.",
  concurrent_update: "Data baru saja diubah oleh proses lain. Muat ulang lalu coba lagi.",
  duplicate: "Data dengan kode yang sama sudah ada.",
  payload_too_large: "Ukuran data melebihi batas.",
  too_many_requests: "Terlalu banyak permintaan. Coba lagi sebentar lagi.",
  separation_of_duties: "Pemisahan tugas: pegawai tidak boleh menangani permintaannya sendiri.",
  // staff and units
  last_admin: "Admin aktif terakhir tidak dapat kehilangan peran admin. Tetapkan admin lain terlebih dahulu.",
  self_lockout: "Anda tidak dapat mencabut akses admin Anda sendiri.",
  self_grant: "Anda tidak dapat memberi diri sendiri peran pegawai; admin lain yang harus melakukannya.",
  unknown_unit: "Unit kerja tidak dikenal atau sudah nonaktif.",
  operator_at_quota: "Operator tujuan sudah mencapai kuota permintaan dalam proses.",
  operator_absent: "Operator tujuan sedang tidak hadir (cuti atau izin).",
  // requests, decisions, merges
  already_decided: "Permintaan ini sudah diputuskan.",
  already_rated: "Permintaan ini sudah dinilai.",
  already_merged: "Permintaan ini sudah digabungkan ke permintaan lain.",
  different_consumer: "Hanya permintaan dari pemohon yang sama yang dapat digabungkan.",
  paid: "Permintaan duplikat sudah dibayar sehingga tidak dapat ditutup sebagai duplikat.",
  primary_closed: "Permintaan utama sudah selesai atau ditutup sehingga tidak dapat menerima duplikat.",
  not_returnable: "Hanya permohonan data mikro (dengan abstrak) yang dapat dikembalikan untuk perbaikan.",
  not_returned: "Permohonan ini tidak sedang menunggu perbaikan dari pemohon.",
  not_quotable: "Penawaran harga tidak dapat dibuat untuk permintaan ini pada tahap sekarang.",
  no_open_quote: "Tidak ada penawaran harga yang menunggu keputusan.",
  agreement_outdated: "Persetujuan penggunaan data telah diperbarui; pemohon perlu menyetujui versi terbaru.",
  unknown_agreement_version: "Versi persetujuan penggunaan data tidak dikenal.",
  unknown_tariff: "Kode tarif tidak dikenal.",
  too_many_open_requests: "Pemohon sudah mencapai batas jumlah permintaan yang masih terbuka.",
  requests_in_progress: "Masih ada permintaan yang sedang diproses dan memerlukan data kontak pemohon.",
  // files
  no_deliverables: "Permintaan data memerlukan minimal satu berkas hasil sebelum diselesaikan.",
  deliverables_not_ready: "Semua berkas hasil harus sudah terunggah dan terverifikasi sebelum diselesaikan.",
  too_many_deliverables: "Jumlah berkas sudah mencapai batas; hapus berkas lama terlebih dahulu.",
  too_many_files: "Jumlah berkas item katalog sudah mencapai batas; hapus salah satu terlebih dahulu.",
  too_many_attachments: "Jumlah lampiran sudah mencapai batas; hapus salah satu terlebih dahulu.",
  too_large: "Ukuran berkas melebihi batas unggah.",
  file_too_large: "Ukuran berkas melebihi batas unggah.",
  file_type_not_allowed: "Jenis berkas ini tidak diterima.",
  content_type_mismatch: "Ekstensi nama berkas tidak sesuai dengan jenis berkasnya.",
  not_uploaded: "Berkas belum terunggah.",
  attachment_not_ready: "Hanya lampiran terverifikasi dari permintaan ini yang dapat dipakai.",
  request_closed: "Permintaan ini sudah ditutup.",
  not_in_progress: "Berkas hanya dapat diubah selama permintaan sedang ditangani.",
  not_file_backed: "Data mikro disiapkan per permohonan yang disetujui, tidak dilampirkan sebagai berkas katalog.",
  not_open: "Item ini bukan data terbuka; berkasnya dikirim melalui pemesanan.",
  download_window_closed: "Masa unduh untuk permintaan ini sudah berakhir.",
  // payments
  not_delivered: "Permintaan belum dikirim ke pemohon.",
  not_paid: "Permintaan belum dibayar.",
  not_approved: "Permintaan belum disetujui.",
  amount_mismatch: "Jumlah pembayaran tidak sesuai dengan tagihan; pembayaran ditandai untuk diperiksa.",
  invalid_receipt: "Bukti pembayaran tidak valid.",
  invalid_signature: "Tanda tangan notifikasi pembayaran tidak valid.",
  already_resolved: "Tugas pembayaran ini sudah diselesaikan.",
  workflow_running: "Alur kerja permintaan ini masih berjalan; tidak perlu dijalankan ulang.",
  provider_unavailable: "Daftar pembayaran SIMPONI sedang tidak dapat diambil. Coba lagi nanti.",
  // consultations, FAQ, escalations, releases, subscriptions, account
  already_answered: "Eskalasi ini sudah dijawab.",
  not_planned: "Item ini tidak berstatus direncanakan (sudah terbit atau ditarik).",
  not_resolved: "Konsultasi belum selesai dijawab; hanya konsultasi yang selesai dapat dijadikan FAQ.",
  not_a_consultation: "Hanya konsultasi yang dapat dijadikan FAQ.",
  already_reviewed: "Usulan FAQ ini sudah ditinjau.",
  not_orderable: "Pemesanan otomatis hanya tersedia untuk seri item berbayar.",
  too_many_subscriptions: "Jumlah langganan sudah mencapai batas.",
  wrong_code: "Kode verifikasi salah.",
  code_expired: "Kode verifikasi sudah kedaluwarsa; minta kode baru.",
  nothing_to_verify: "Tidak ada alamat e-mail yang menunggu verifikasi.",
};

/** pydantic's error types (field errors of a 400) in Indonesian: its own messages are English. */
const FIELD_TEXT = {
  missing: "wajib diisi", string_too_short: "masih kosong atau terlalu pendek", string_too_long: "terlalu panjang",
  string_pattern_mismatch: "formatnya tidak sesuai", string_type: "harus berupa teks", too_long: "terlalu banyak",
  too_short: "terlalu sedikit", int_parsing: "harus berupa angka", int_type: "harus berupa angka",
  int_from_float: "harus bilangan bulat", float_parsing: "harus berupa angka", float_type: "harus berupa angka",
  greater_than_equal: "nilainya terlalu kecil", less_than_equal: "nilainya terlalu besar",
  greater_than: "nilainya terlalu kecil", less_than: "nilainya terlalu besar", literal_error: "pilihan tidak dikenal",
  enum: "pilihan tidak dikenal", extra_forbidden: "tidak dikenal", bool_parsing: "harus ya atau tidak",
  bool_type: "harus ya atau tidak", url_parsing: "alamat web tidak valid", datetime_parsing: "tanggal tidak valid",
  datetime_from_date_parsing: "tanggal tidak valid", date_parsing: "tanggal tidak valid",
  date_from_datetime_parsing: "tanggal tidak valid", time_parsing: "jam tidak valid", value_error: "nilainya tidak valid",
  list_type: "harus berupa daftar", dict_type: "harus berupa objek", model_type: "harus berupa objek",
  json_invalid: "bukan JSON yang valid", uuid_parsing: "format kode tidak valid",
  // the API's own field checks (chalicelib/staff, chalicelib/delegation/roster.py)
  unknown_unit: "unit kerja tidak dikenal", producer_only: "unit kerja hanya untuk peran produsen data",
  operator_only: "hanya untuk peran operator", not_active_staff: "bukan pegawai aktif",
  end_before_start: "jam selesai harus setelah jam mulai", shift_too_long: "satu jadwal piket paling lama 24 jam",
  unknown_operator: "operator tidak dikenal", shift_overlap: "bertumpang tindih dengan jadwal lain operator yang sama",
};

/** The keys of the API's error details (chalicelib: `details={...}`) in Indonesian. */
const DETAIL_LABEL = {
  status: "status sekarang", from: "dari status", to: "ke status", load: "beban sekarang", quota: "kuota",
  current_version: "versi yang berlaku", not_ready: "belum siap", closed_at: "ditutup pada",
  max_upload_bytes: "batas ukuran (byte)", access: "akses", months: "jumlah bulan", max_months: "batas bulan",
  open_requests: "permintaan terbuka", max_open_requests: "batas permintaan terbuka", missing: "tidak ditemukan",
  attachment_ids: "lampiran", max_bytes: "batas ukuran (byte)", allowed: "jenis yang diterima", limit: "batas",
  window_s: "jangka waktu (detik)", faq_id: "FAQ", request_ids: "permintaan", unknown: "tidak dikenal",
  subscription_id: "langganan",
};
const STATUS_KEYS = new Set(["status", "from", "to"]);
// not for the reader: the 429's own text says the wait; DynamoDB's cancellation reasons are for the logs
const HIDDEN_DETAILS = new Set(["retry_after_s", "reasons"]);

/** The error in Indonesian, without a prefix: the code's own text, else the status' (toasts, inline notes). */
export function errorText(err) {
  if (!(err instanceof ApiError)) {
    // the page's own checks and getBlob() throw Errors worded in Indonesian; a failed fetch (TypeError) or a bug
    // must not show the browser's English message
    if (err && err.name === "Error" && err.message) return err.message;
    return err instanceof TypeError ? CODE_TEXT.network : "Terjadi kesalahan pada halaman. Muat ulang lalu coba lagi.";
  }
  if ([403, 404, 405].includes(err.status) && err.code.startsWith("http_")) {
    return `Layanan ini belum tersedia di server API (HTTP ${err.status}).`;
  }
  return CODE_TEXT[err.code] || statusHead(err);
}

function statusHead(err) {
  return STATUS_TEXT[err.status] || (err.status >= 500 ? "Kesalahan pada server" : `HTTP ${err.status}`);
}

/** Indonesian headline of an error, e.g. "Gagal: Konflik — Data telah berubah …". */
export function errorSummary(err) {
  if (!(err instanceof ApiError) || err.code.startsWith("http_") || !CODE_TEXT[err.code]) {
    return `Gagal: ${errorText(err)}`;
  }
  return `Gagal: ${statusHead(err)} — ${CODE_TEXT[err.code]}`;
}

/** What the server said beyond the code (shown under the summary), in Indonesian: the invalid fields of a 400 and
 * the details' values; the server's English message only for a code this page does not know (with the code). */
export function errorDetails(err) {
  const out = [];
  if (err instanceof ApiError) {
    if (err.message && err.code && !CODE_TEXT[err.code] && !err.code.startsWith("http_")) {
      out.push(`Keterangan teknis dari server (kode ${err.code}): ${err.message}`);
    }
    if (Array.isArray(err.details)) {
      for (const d of err.details.slice(0, 10)) {
        if (d && typeof d === "object") {
          const loc = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body" && x !== "root").join(".") : "";
          out.push(`${loc ? loc + ": " : ""}${FIELD_TEXT[d.type] || "isian belum benar"}`);
        } else {
          out.push(String(d));
        }
      }
    } else if (err.details && typeof err.details === "object") {
      for (const [k, v] of Object.entries(err.details).slice(0, 10)) {
        if (HIDDEN_DETAILS.has(k)) continue;
        const value = STATUS_KEYS.has(k) ? label(STATUS, v)
          : Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v;
        out.push(`${DETAIL_LABEL[k] || k}: ${value}`);
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
