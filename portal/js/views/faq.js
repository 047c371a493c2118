// FAQ: approved answers of past consultations, searchable (#/faq?q=).
import { h, replace } from "../dom.js";
import { pub } from "../api.js";
import { pageHeader, loading, errorBox, emptyState } from "../ui.js";

export async function render(main, ctx) {
  const q = ctx.query.get("q") || "";
  const input = h("input", { type: "search", id: "faq-q", name: "q", value: q, autocomplete: "off" });
  const form = h("form", { class: "searchbar", role: "search", "aria-label": "Cari di FAQ" },
    h("label", { for: "faq-q", class: "visually-hidden" }, "Cari pertanyaan"), input,
    h("button", { type: "submit", class: "btn" }, "Cari"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    window.location.hash = input.value.trim() ? `#/faq?q=${encodeURIComponent(input.value.trim())}` : "#/faq";
  });
  const list = h("div", { id: "faq-list" }, loading());
  replace(main, pageHeader("Pertanyaan yang sering diajukan", "Jawaban petugas atas konsultasi sebelumnya."), form, list);
  try {
    const res = await pub("/faq", { q, limit: 50 });
    replace(list, res.items.length
      ? res.items.map((f) => h("details", { class: "card", "data-id": f.faq_id }, h("summary", {}, h("strong", {}, f.question)),
        h("p", {}, f.answer)))
      : emptyState(q ? "Tidak ada jawaban yang cocok." : "Belum ada FAQ.",
        h("a", { class: "btn btn-secondary", href: "#/konsultasi" }, "Ajukan pertanyaan")));
  } catch (err) {
    replace(list, errorBox(err, { retry: () => render(main, ctx) }));
  }
}
