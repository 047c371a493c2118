// Pengaduan: a complaint, optionally about one of the user's requests (#/pengaduan?tentang=<id>).
import { h, replace } from "../dom.js";
import { get } from "../api.js";
import { pageHeader, field, select } from "../ui.js";
import { KIND } from "../fmt.js";
import { requestForm, text } from "./forms.js";

export const needsLogin = "menyampaikan pengaduan";

export async function render(main, ctx) {
  const about = select([["", "Tidak terkait permintaan tertentu"]], { name: "about_request_id", id: "complaint-about" });
  const form = h("form", { id: "complaint-form", class: "card" },
    field("Terkait permintaan", about, { hint: "Pilih bila pengaduan menyangkut salah satu permintaan Anda." }),
    field("Isi pengaduan", h("textarea", { name: "message", maxlength: 5000, rows: 6 }), { required: true,
      hint: "Ceritakan apa yang terjadi dan harapan Anda. Kami tanggapi dalam 2 hari kerja." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "complaint-submit" }, "Kirim pengaduan")));
  replace(main, pageHeader("Sampaikan pengaduan", "Keluhan Anda membantu kami memperbaiki layanan."), form);
  const wanted = ctx.query.get("tentang") || "";
  try {
    const page = await get("/requests", { page_size: 50 });
    for (const r of page.items.filter((x) => x.kind !== "complaint")) {
      about.append(h("option", { value: r.request_id }, `${r.request_id} — ${KIND[r.kind] || r.kind}: ${(r.subject || r.purpose || "").slice(0, 60)}`));
    }
  } catch { /* the list is a convenience; the complaint works without it */ }
  if (wanted) {
    if (![...about.options].some((o) => o.value === wanted)) about.append(h("option", { value: wanted }, wanted));
    about.value = wanted;
  }
  requestForm(form, "complaint", (f) => {
    const body = { kind: "complaint", message: text(f, "message") };
    if (text(f, "about_request_id")) body.about_request_id = text(f, "about_request_id");
    return body;
  });
}
