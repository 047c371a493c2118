// Survei Kepuasan Masyarakat (PermenPAN-RB 14/2017), next to the 1–5 rating: nine service elements, each answered
// on the regulation's scale 1–4, sent with the rating (POST /requests/{id}/rating, field `survey`).
import { h } from "../dom.js";

// [code, question, answers 1..4] — the regulation's elements U1..U9 and its answer wording
export const ELEMENTS = [
  ["persyaratan", "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
    ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]],
  ["prosedur", "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
    ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"]],
  ["waktu", "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
    ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"]],
  ["biaya", "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
    ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]],
  ["produk", "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
    + "pelayanan dengan hasil yang diberikan?", ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]],
  ["kompetensi", "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
    ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"]],
  ["perilaku", "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
    ["Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"]],
  ["pengaduan", "Bagaimana pendapat Anda tentang penanganan pengaduan, saran, dan masukan pengguna layanan?",
    ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"]],
  ["sarana", "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana pelayanan (termasuk portal ini)?",
    ["Buruk", "Cukup", "Baik", "Sangat baik"]],
];

/** The nine questions, each a radio group (a fieldset with its legend): optional as a whole. */
export function surveyFields() {
  return h("details", { class: "survey", id: "ikm-survey" },
    h("summary", {}, "Survei kepuasan masyarakat (9 pertanyaan, opsional)"),
    h("p", { class: "small" }, "Jawaban Anda membantu kami menghitung Indeks Kepuasan Masyarakat sesuai "
      + "Peraturan Menteri PANRB Nomor 14 Tahun 2017. Jika diisi, jawab kesembilan pertanyaan."),
    ELEMENTS.map(([code, question, answers], i) => h("fieldset", { class: "survey-q", id: `ikm-${code}` },
      h("legend", {}, `${i + 1}. ${question}`),
      answers.map((text, k) => h("label", { class: "survey-a" },
        h("input", { type: "radio", name: `ikm_${code}`, value: k + 1 }), ` ${text}`)))));
}

/** {element: 1..4} from the form, null when untouched; throws (Indonesian message) when only partly answered. */
export function surveyAnswers(formData) {
  const out = {};
  for (const [code] of ELEMENTS) {
    const v = formData.get(`ikm_${code}`);
    if (v) out[code] = Number(v);
  }
  const n = Object.keys(out).length;
  if (!n) return null;
  if (n < ELEMENTS.length) {
    throw new Error(`Survei kepuasan baru terisi ${n} dari ${ELEMENTS.length} pertanyaan. Lengkapi atau kosongkan semuanya.`);
  }
  return out;
}

/** A duplicate merged into another request points there. */
export function mergedNotice(r) {
  if (!r.merged_into) return null;
  return h("div", { class: "alert alert-info", role: "status", id: "merged-notice" },
    h("p", {}, "Permintaan ini digabungkan dengan permintaan ",
      h("a", { href: `#/permintaan/${encodeURIComponent(r.merged_into)}` }, r.merged_into),
      " karena isinya sama. Lanjutkan di sana: percakapan dan berkas Anda tetap tersimpan."));
}
