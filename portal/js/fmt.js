// Indonesian labels and formatting for the public: dates in WIB, money in rupiah (figures and words).

export const TZ = "Asia/Jakarta";

/** Every request status of SPEC §3 in plain words, with what happens next and a tone for the badge.
 *  awaiting_consumer (questions/quotes to the consumer) is already named for when the API adds it. */
export const STATUS = {
  submitted: ["Diterima", "Permintaan Anda sudah kami terima dan sedang diperiksa.", "work"],
  awaiting_approval: ["Menunggu persetujuan", "Petugas sedang meninjau permintaan Anda (misalnya abstraksi mikrodata atau pembebasan biaya).", "wait"],
  awaiting_payment: ["Menunggu pembayaran", "Silakan bayar tagihan sebelum batas waktu. Setelah lunas, permintaan langsung diproses.", "wait"],
  awaiting_consumer: ["Menunggu tanggapan Anda", "Petugas mengirim pertanyaan atau penawaran harga. Balas melalui percakapan di bawah.", "wait"],
  queued: ["Dalam antrean", "Permintaan Anda menunggu petugas yang bertugas; akan segera ditangani.", "work"],
  assigned: ["Ditangani petugas", "Seorang petugas sudah ditugaskan menangani permintaan Anda.", "work"],
  in_progress: ["Sedang dikerjakan", "Petugas sedang menyiapkan jawaban atau data Anda.", "work"],
  escalated: ["Dikonsultasikan ke unit data", "Petugas meminta bantuan unit produsen data. Tenggat tetap berlaku.", "work"],
  delivered: ["Sudah dikirim", "Jawaban atau data sudah tersedia. Silakan unduh dan beri penilaian.", "done"],
  completed: ["Selesai", "Permintaan ini sudah selesai. Terima kasih.", "done"],
  rejected: ["Ditolak", "Permintaan tidak dapat dipenuhi. Lihat catatan petugas di riwayat.", "end"],
  expired: ["Kedaluwarsa", "Batas waktu terlewati (misalnya tagihan tidak dibayar).", "end"],
  cancelled: ["Dibatalkan", "Permintaan ini sudah dibatalkan.", "end"],
};
export const OPEN = new Set(["submitted", "awaiting_approval", "awaiting_payment", "awaiting_consumer", "queued",
  "assigned", "in_progress", "escalated"]);
export const CANCELLABLE = new Set(["submitted", "awaiting_approval", "awaiting_payment", "awaiting_consumer"]);

export const KIND = { consultation: "Konsultasi", data_order: "Permintaan data", complaint: "Pengaduan" };
export const TOPIC = { data: "Data", metadata: "Metadata & rekomendasi statistik", classification: "Klasifikasi" };
export const TTYPE = { free: "Gratis", paid: "Berbayar (PNBP)", zero_rupiah: "Nol rupiah (dibebaskan)",
  internal: "Internal pegawai" };
export const CATEGORY = { student: "Mahasiswa/pelajar", academic: "Akademisi/peneliti", business: "Bisnis/swasta",
  government: "Pemerintah", citizen: "Masyarakat umum", international: "Lembaga internasional", other: "Lainnya" };
export const ITEM_TYPE = { table_static: "Tabel statis", table_dynamic: "Tabel dinamis", publication: "Publikasi",
  microdata: "Mikrodata", map: "Peta digital (Wilkerstat)" };
export const ACCESS = { open: "Terbuka (gratis)", paid: "Berbayar", restricted: "Terbatas (mikrodata)" };
export const LEVEL = { nasional: "Nasional", provinsi: "Provinsi", kabupaten_kota: "Kabupaten/kota" };
export const BILLING = { unpaid: "Belum dibayar", paid: "Lunas", expired: "Kedaluwarsa" };

export function label(map, value, fallback = "—") {
  if (value === undefined || value === null || value === "") return fallback;
  const v = Object.prototype.hasOwnProperty.call(map, value) ? map[value] : String(value);
  return Array.isArray(v) ? v[0] : v;
}

const dtf = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit" });
const df = new Intl.DateTimeFormat("id-ID", { timeZone: TZ, day: "numeric", month: "long", year: "numeric" });
const numf = new Intl.NumberFormat("id-ID");

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
  const d = toDate(/^\d{4}-\d{2}-\d{2}$/.test(String(v)) ? `${v}T00:00:00+07:00` : v);
  return d ? df.format(d) : "—";
}
export function number(n) {
  return n === null || n === undefined || Number.isNaN(Number(n)) ? "—" : numf.format(Number(n));
}
export function rupiah(n) {
  return n === null || n === undefined ? "—" : `Rp ${numf.format(Number(n))}`;
}
export function bytes(n) {
  const v = Number(n || 0);
  if (!v) return "—";
  if (v < 1024) return `${v} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i += 1; }
  return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(x)} ${units[i]}`;
}

const ONES = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas"];
const BIG = [[1e12, "triliun"], [1e9, "miliar"], [1e6, "juta"]];

function words(n) {
  if (n < 12) return ONES[n];
  if (n < 20) return `${ONES[n - 10]} belas`;
  if (n < 100) return `${ONES[Math.floor(n / 10)]} puluh ${words(n % 10)}`;
  if (n < 200) return `seratus ${words(n - 100)}`;
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} ratus ${words(n % 100)}`;
  if (n < 2000) return `seribu ${words(n - 1000)}`;
  if (n < 1e6) return `${words(Math.floor(n / 1000))} ribu ${words(n % 1000)}`;
  for (const [size, name] of BIG) {
    if (n >= size) return `${words(Math.floor(n / size))} ${name} ${words(n % size)}`;
  }
  return "";
}

/** Terbilang: 150000 → "seratus lima puluh ribu rupiah"; 0 → "nol rupiah". */
export function terbilang(amount) {
  const n = Math.floor(Math.abs(Number(amount) || 0));
  if (n >= 1e15) return `${number(n)} rupiah`;
  const text = n === 0 ? "nol" : words(n).replace(/\s+/g, " ").trim();
  return `${text} rupiah`;
}

/** "2 hari 3 jam 5 menit" until `v` (or null when past). */
export function remaining(v, now = Date.now()) {
  const d = toDate(v);
  if (!d) return null;
  let s = Math.floor((d.getTime() - now) / 1000);
  if (s <= 0) return null;
  const days = Math.floor(s / 86400); s -= days * 86400;
  const hours = Math.floor(s / 3600); s -= hours * 3600;
  const minutes = Math.floor(s / 60); const seconds = s - minutes * 60;
  const parts = [];
  if (days) parts.push(`${days} hari`);
  if (days || hours) parts.push(`${hours} jam`);
  parts.push(`${minutes} menit`);
  if (!days) parts.push(`${seconds} detik`);
  return parts.join(" ");
}

/** Local (Asia/Jakarta) YYYY-MM-DD. */
export function localDay(v = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(toDate(v));
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Replace ISO-8601 timestamps inside a server note with WIB date-times. */
export function humanise(text) {
  return String(text || "").replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g,
    (iso) => dateTime(iso));
}
