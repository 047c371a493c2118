// Indonesian labels and formatting (dates in Asia/Jakarta, money in rupiah).

export const TZ = "Asia/Jakarta";

export const STATUS = {
  submitted: "Diajukan",
  awaiting_approval: "Menunggu persetujuan",
  awaiting_payment: "Menunggu pembayaran",
  queued: "Dalam antrean",
  assigned: "Ditugaskan",
  in_progress: "Sedang dikerjakan",
  awaiting_consumer: "Menunggu pemohon",
  escalated: "Dieskalasi",
  delivered: "Terkirim",
  completed: "Selesai",
  rejected: "Ditolak",
  expired: "Kedaluwarsa",
  cancelled: "Dibatalkan",
};
export const STATUS_ORDER = Object.keys(STATUS);
export const OPEN_STATUSES = new Set(["submitted", "awaiting_approval", "awaiting_payment", "queued", "assigned",
  "in_progress", "escalated", "awaiting_consumer"]);

export const KIND = { consultation: "Konsultasi", data_order: "Permintaan data", complaint: "Pengaduan" };
export const TOPIC = { data: "Data", metadata: "Metadata & rekomendasi statistik", classification: "Klasifikasi" };
export const CHANNEL = { portal: "Portal daring", phone: "Telepon", letter: "Surat", walk_in: "Datang langsung",
  email: "Email", subscription: "Langganan (pesanan otomatis)" };
export const TTYPE = { free: "Gratis", paid: "Berbayar (PNBP)", zero_rupiah: "Nol rupiah", internal: "Internal" };
export const CATEGORY = { student: "Mahasiswa/pelajar", academic: "Akademisi/peneliti", business: "Bisnis/swasta",
  government: "Pemerintah", citizen: "Masyarakat umum", international: "Lembaga internasional", other: "Lainnya" };
export const ROLE = { consumer: "Konsumen", staff: "Pegawai", operator: "Operator", supervisor: "Supervisor",
  producer: "Produsen data", admin: "Administrator" };
export const ITEM_TYPE = { table_static: "Tabel statis", table_dynamic: "Tabel dinamis", publication: "Publikasi",
  microdata: "Mikrodata", map: "Peta digital (Wilkerstat)" };
export const ACCESS = { open: "Terbuka", paid: "Berbayar", restricted: "Terbatas (mikrodata)" };
export const LEVEL = { nasional: "Nasional", provinsi: "Provinsi", kabupaten_kota: "Kabupaten/kota" };
export const ITEM_STATUS = { published: "Terbit", planned: "Direncanakan", withdrawn: "Ditarik" };
export const DELIVERABLE = { pending: "Menunggu unggahan & verifikasi", ready: "Terverifikasi", rejected: "Ditolak",
  deleted: "Dihapus" };
export const UNIT = { produksi: "Statistik Produksi", sosial: "Statistik Sosial",
  distribusi: "Statistik Distribusi dan Jasa", neraca: "Neraca dan Analisis Statistik",
  metodologi: "Metodologi dan Informasi Statistik" };
export const ESC_STATUS = { open: "Menunggu jawaban", answered: "Terjawab" };
export const SERVICES = {
  consultation: "Semua konsultasi",
  "consultation:data": "Konsultasi data",
  "consultation:metadata": "Konsultasi metadata",
  "consultation:classification": "Konsultasi klasifikasi",
  data_order: "Permintaan data",
  complaint: "Pengaduan",
};

export function label(map, value, fallback = "—") {
  if (value === undefined || value === null || value === "") return fallback;
  return Object.prototype.hasOwnProperty.call(map, value) ? map[value] : String(value);
}

const dtf = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit" });
const df = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, day: "numeric", month: "short", year: "numeric" });
const dfLong = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, weekday: "long", day: "numeric", month: "long",
  year: "numeric" });
const tf = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit" });
const numf = new Intl.NumberFormat("id-ID");
const rpf = new Intl.NumberFormat("id-ID", { style: "currency", currency: "IDR", maximumFractionDigits: 0 });

function toDate(v) {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function dateTime(v) {
  const d = toDate(v);
  return d ? `${dtf.format(d)} WIB` : "—";
}
export function date(v) {
  const d = toDate(v);
  return d ? df.format(d) : "—";
}
export function dateLong(v) {
  const d = toDate(v);
  return d ? dfLong.format(d) : "—";
}
export function clockTime(v = new Date()) {
  return tf.format(toDate(v));
}
export function number(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? "—" : numf.format(Number(n));
}
export function rupiah(n) {
  return n === null || n === undefined ? "—" : rpf.format(Number(n));
}
export function bytes(n) {
  const v = Number(n || 0);
  if (v < 1024) return `${v} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i += 1; }
  return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(x)} ${units[i]}`;
}

/** Relative wording of a due date: "3 hari lagi", "5 jam lagi", "terlambat 2 hari". */
export function dueText(v, now = new Date()) {
  const d = toDate(v);
  if (!d) return "tanpa tenggat";
  const ms = d.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const hours = Math.round(abs / 3600000);
  const days = Math.round(abs / 86400000);
  const amount = abs < 3600000 ? `${Math.max(1, Math.round(abs / 60000))} menit`
    : abs < 36 * 3600000 ? `${hours} jam` : `${days} hari`;
  return ms >= 0 ? `${amount} lagi` : `terlambat ${amount}`;
}

/** Local (Asia/Jakarta) calendar date YYYY-MM-DD of an instant. */
export function localDay(v = new Date()) {
  const d = toDate(v);
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit",
    day: "2-digit" }).formatToParts(d);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Local (Asia/Jakarta) HH:MM of an instant. */
export function localTime(v) {
  const d = toDate(v);
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit",
    hourCycle: "h23" }).formatToParts(d);
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("hour")}:${get("minute")}`;
}

/** Add days to a YYYY-MM-DD date string. */
export function addDays(day, n) {
  const [y, m, dd] = day.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1, dd + n));
  return d.toISOString().slice(0, 10);
}

/** Monday (YYYY-MM-DD) of the week holding `day`. */
export function mondayOf(day) {
  const [y, m, dd] = day.split("-").map(Number);
  const wd = new Date(Date.UTC(y, m - 1, dd)).getUTCDay(); // 0 = Sunday
  return addDays(day, wd === 0 ? -6 : 1 - wd);
}

/** Indonesia (WIB) has no daylight saving time: local wall time + 07:00 is exact. */
export function wibIso(day, hhmm) {
  return `${day}T${hhmm}:00+07:00`;
}

const weekdayFmt = new Intl.DateTimeFormat("id-ID", { weekday: "short", timeZone: "UTC" });
const dayMonthFmt = new Intl.DateTimeFormat("id-ID", { day: "numeric", month: "short", timeZone: "UTC" });
export function dayHeading(day) {
  const [y, m, dd] = day.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1, dd));
  return { weekday: weekdayFmt.format(d), date: dayMonthFmt.format(d) };
}

/** Replace ISO-8601 timestamps inside a server note with the Indonesian date-time (WIB). */
export function humaniseTimestamps(text) {
  return String(text || "").replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g,
    (iso) => dateTime(iso));
}

export function initials(name) {
  return String(name || "?").split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0].toUpperCase()).join("");
}

/** A request's `problem` (set by the workflow or the tick) for the reader; unknown codes are named as such. */
export const PROBLEM = {
  "States.Timeout": "Alur kerja berhenti: satu langkah otomatis melewati batas waktunya.",
  workflow_error: "Alur kerja berhenti karena kesalahan.",
  workflow_lost: "Alur kerja permintaan ini tidak lagi berjalan.",
  BillingUnavailable: "Billing belum dapat dibuat karena SIMPONI tidak tersedia; sistem mencoba lagi otomatis.",
  billing_unavailable: "Billing belum dapat dibuat karena SIMPONI tidak tersedia; sistem mencoba lagi otomatis.",
  stuck_paid: "Sudah dibayar tetapi tidak berlanjut otomatis.",
  paid_after_close: "Dibayar setelah permintaan ditutup: supervisor melanjutkan layanan atau mencatat refund.",
};
/** problems whose text already says what happens next (the others are a supervisor's work item) */
const SELF_EXPLAINED = new Set(["BillingUnavailable", "billing_unavailable", "paid_after_close"]);

/** The problem's text; `where` "request" (the request page) adds where its work item is, "desk" (the payments desk,
 * where the item is shown) does not. */
export function problemText(code, where = "request") {
  const text = PROBLEM[code] || `Alur kerja melaporkan masalah (kode ${code}).`;
  return where === "request" && !SELF_EXPLAINED.has(code) ? `${text} Lihat butir kerja di menu Pembayaran.` : text;
}
