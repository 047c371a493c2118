// Konsultasi: three topics (data, metadata incl. statistical recommendation, classification).
import { h, replace } from "../dom.js";
import { pageHeader, field } from "../ui.js";
import { TOPIC } from "../fmt.js";
import { requestForm, text } from "./forms.js";

export const needsLogin = "mengajukan konsultasi";

const HINTS = {
  data: "Ketersediaan data, cara membaca tabel, sumber angka.",
  metadata: "Definisi, konsep, metodologi, rekomendasi kegiatan statistik.",
  classification: "KBLI, KBJI, KBKI, kode wilayah, dan klasifikasi baku lainnya.",
};

export async function render(main, ctx) {
  const form = h("form", { id: "consult-form", class: "card", novalidate: false },
    h("fieldset", {}, h("legend", {}, "Topik konsultasi"),
      Object.entries(TOPIC).map(([k, v], i) => h("label", { class: "choice" },
        h("input", { type: "radio", name: "topic", value: k, checked: i === 0, required: true }),
        h("span", {}, h("strong", {}, v), h("br"), h("span", { class: "muted small" }, HINTS[k]))))),
    field("Judul singkat", h("input", { name: "subject", maxlength: 200, value: ctx.query.get("subjek") || "" }),
      { required: true, hint: "Misalnya: Data kemiskinan kabupaten di Jawa Tengah 2023" }),
    field("Pertanyaan Anda", h("textarea", { name: "question", maxlength: 5000, rows: 6 }), { required: true,
      hint: "Jelaskan kebutuhan Anda selengkap mungkin. Jawaban dikirim ke halaman Permintaan saya dan email Anda." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "consult-submit" }, "Kirim konsultasi")));
  replace(main, pageHeader("Konsultasi statistik gratis", "Petugas menjawab dalam 3 hari kerja."), form);
  requestForm(form, "consultation", (f) => ({
    kind: "consultation", topic: text(f, "topic"), subject: text(f, "subject"), question: text(f, "question"),
  }));
}
