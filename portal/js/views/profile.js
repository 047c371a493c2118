// Profil: GET/PUT /me (name, email, phone, institution, category).
import { h, replace } from "../dom.js";
import { get, put } from "../api.js";
import { pageHeader, loading, errorBox, field, select, busy, showFormError, toast } from "../ui.js";
import { CATEGORY } from "../fmt.js";
import { keepDraft } from "../store.js";
import { logout } from "../auth.js";

export const needsLogin = "melihat profil Anda";

export async function render(main, ctx) {
  replace(main, loading("Memuat profil…"));
  let me;
  try {
    me = await get("/me");
  } catch (err) {
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Profil"), errorBox(err, { retry: () => render(main, ctx) }));
    return;
  }
  const form = h("form", { id: "profile-form", class: "card" },
    field("Nama lengkap", h("input", { name: "name", value: me.name || "", maxlength: 200, autocomplete: "name" }), { required: true }),
    field("Email", h("input", { type: "email", name: "email", value: me.email || "", autocomplete: "email" }),
      { hint: "Pemberitahuan status permintaan dikirim ke alamat ini." }),
    field("Nomor telepon", h("input", { type: "tel", name: "phone", value: me.phone || "", autocomplete: "tel", maxlength: 32 })),
    field("Instansi", h("input", { name: "institution", value: me.institution || "", maxlength: 200, autocomplete: "organization" })),
    field("Kategori pengguna", select([["", "Pilih kategori"], ...Object.entries(CATEGORY)], { name: "category" }, me.category || "")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "profile-save" }, "Simpan profil")));
  const slot = h("div");
  form.prepend(slot);
  replace(main, pageHeader("Profil saya", `ID pengguna: ${me.user_id}`), form,
    h("nav", { class: "card", "aria-label": "Akun" }, h("ul", {},
      h("li", {}, h("a", { href: "#/permintaan" }, "Permintaan saya")),
      h("li", {}, h("a", { href: "#/notifikasi" }, "Notifikasi")),
      h("li", {}, h("a", { href: "#/langganan" }, "Langganan")),
      h("li", {}, h("a", { href: "#/privasi" }, "Privasi: unduh atau hapus data saya"))),
      h("button", { type: "button", class: "btn btn-secondary", id: "logout", onclick: () => {
        logout();
        document.dispatchEvent(new CustomEvent("cart-changed"));
        window.location.hash = "#/";
      } }, "Keluar")));
  const draft = keepDraft(form, "profile");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const body = {};
    for (const k of ["name", "email", "phone", "institution", "category"]) {
      const v = String(f.get(k) || "").trim();
      if (v) body[k] = v;
    }
    await busy(form.querySelector("[type=submit]"), async () => {
      try {
        await put("/me", body);
        draft.clear();
        toast("Profil disimpan.");
      } catch (err) { showFormError(slot, form, err); }
    }, "Menyimpan…");
  });
}
