// Profil: GET/PUT /me (name, email, phone, institution, category). A new e-mail address counts only once the
// code sent to it is entered here (POST /me/email/verify, SPEC §8 "Identity"): until then it waits as
// `pending_email` and the notices keep going to the verified address.
import { h, replace } from "../dom.js";
import { get, put, post } from "../api.js";
import { pageHeader, loading, errorBox, field, select, busy, showFormError, toast, card } from "../ui.js";
import { CATEGORY, dateTime } from "../fmt.js";
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
      { hint: me.email
        ? "Pemberitahuan status permintaan dikirim ke alamat ini. Alamat baru berlaku setelah diverifikasi dengan kode."
        : "Alamat ini dipakai untuk pemberitahuan status permintaan setelah diverifikasi dengan kode." }),
    field("Nomor telepon", h("input", { type: "tel", name: "phone", value: me.phone || "", autocomplete: "tel", maxlength: 32 })),
    field("Instansi", h("input", { name: "institution", value: me.institution || "", maxlength: 200, autocomplete: "organization" })),
    field("Kategori pengguna", select([["", "Pilih kategori"], ...Object.entries(CATEGORY)], { name: "category" }, me.category || "")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "profile-save" }, "Simpan profil")));
  const slot = h("div");
  form.prepend(slot);
  replace(main, pageHeader("Profil saya", `ID pengguna: ${me.user_id}`), verifyCard(main, ctx, me), form,
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
      let saved;
      try {
        saved = await put("/me", body);
      } catch (err) { showFormError(slot, form, err); return; }
      draft.clear();
      // a code went out when the address sent differs from the verified one: it now waits as pending_email
      if (body.email && saved.pending_email && body.email.toLowerCase() === saved.pending_email) {
        toast(`Profil disimpan. Kode verifikasi dikirim ke ${saved.pending_email}.`);
        await showCodeField(main, ctx);
        return;
      }
      toast("Profil disimpan.");
    }, "Menyimpan…");
  });
}

/** Send (again) a code to the pending address: saving it once more issues a fresh one (PUT /me). */
async function sendCode(main, ctx, me, button, slot, form) {
  await busy(button, async () => {
    try {
      await put("/me", { email: me.pending_email });
    } catch (err) { showFormError(slot, form, err); return; }
    toast(`Kode verifikasi dikirim ke ${me.pending_email}.`);
    await showCodeField(main, ctx);
  }, "Mengirim…");
}

/** After a code went out: the page again, the code's card first on it, its field focused. */
async function showCodeField(main, ctx) {
  await render(main, ctx);
  const code = document.getElementById("verify-code");
  if (code) code.focus();
}

/** The card of an address waiting to be verified (none when no address waits): the code's field while a code can
 * confirm it (`pending_email_code_expires_at`), else the button that sends one — at the first login the identity
 * provider's unverified address waits with no code sent, and a code expires after 30 minutes or 5 wrong tries. */
function verifyCard(main, ctx, me) {
  if (!me.pending_email) return null;
  const slot = h("div");
  const until = me.email ? `Sampai saat itu pemberitahuan tetap dikirim ke ${me.email}.`
    : "Sampai saat itu kami belum mengirim pemberitahuan ke alamat ini.";
  const address = h("strong", { id: "pending-email" }, me.pending_email);
  const send = h("button", { type: "button", class: me.pending_email_code_expires_at ? "btn btn-secondary" : "btn",
    id: "verify-send" }, me.pending_email_code_expires_at ? "Kirim kode baru" : "Kirim kode verifikasi");
  if (!me.pending_email_code_expires_at) {
    const form = h("div", { id: "verify-form" }, slot,
      h("p", {}, "Alamat ", address, " belum diverifikasi. Kirim kode ke alamat itu, lalu masukkan kodenya di sini. ",
        until),
      h("div", { class: "actions" }, send));
    send.addEventListener("click", () => sendCode(main, ctx, me, send, slot, form));
    return h("div", { id: "email-verify" }, card("Verifikasi alamat email", form));
  }
  const code = h("input", { id: "verify-code", name: "code", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9]{6}", maxlength: 6, required: true, class: "input-code" });
  // novalidate: the page words the check itself (the browser's bubble would be in its own language and style)
  const form = h("form", { id: "verify-form", novalidate: true }, slot,
    h("p", {}, "Kami mengirim kode 6 angka ke ", address, `. Kode berlaku sampai ${dateTime(
      me.pending_email_code_expires_at)}. `, until),
    field("Kode verifikasi", code, { hint: "Tidak menerima kode? Periksa folder spam, atau kirim kode baru." }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn", id: "verify-submit" }, "Verifikasi email"),
      send));
  send.addEventListener("click", () => sendCode(main, ctx, me, send, slot, form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = code.value.replace(/\s+/g, "");
    if (!/^[0-9]{6}$/.test(value)) {
      showFormError(slot, form, new Error("Kode verifikasi terdiri atas 6 angka."));
      code.setAttribute("aria-invalid", "true");
      code.focus();
      return;
    }
    await busy(form.querySelector("[type=submit]"), async () => {
      let out;
      try {
        out = await post("/me/email/verify", { code: value });
      } catch (err) {
        showFormError(slot, form, err);
        code.setAttribute("aria-invalid", "true");
        code.focus();
        return;
      }
      toast(`Alamat email ${out.email} terverifikasi.`);
      await render(main, ctx);
    }, "Memeriksa…");
  });
  return h("div", { id: "email-verify" }, card("Verifikasi alamat email baru", form));
}
