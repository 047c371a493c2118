// Langganan (#/langganan), notifikasi (#/notifikasi), privasi (#/privasi: export my data, delete my account).
import { h, replace } from "../dom.js";
import { get, post, del, saveBlob, errorText } from "../api.js";
import { pageHeader, loading, errorBox, emptyState, busy, toast, card, alertBox, field } from "../ui.js";
import { dateTime } from "../fmt.js";
import { logout } from "../auth.js";

export function needsLogin(parts) {
  return { langganan: "mengelola langganan", notifikasi: "melihat notifikasi", privasi: "mengelola data pribadi" }[parts[0]];
}

export async function render(main, ctx) {
  if (ctx.parts[0] === "langganan") return subscriptions(main, ctx);
  if (ctx.parts[0] === "notifikasi") return notifications(main, ctx);
  return privacy(main, ctx);
}

async function subscriptions(main, ctx) {
  const list = h("div", { id: "subs" }, loading());
  replace(main, pageHeader("Langganan", "Pemberitahuan saat seri data atau pencarian tersimpan merilis data baru."), list);
  let subs;
  try { subs = await get("/me/subscriptions"); } catch (err) {
    replace(list, errorBox(err, { retry: () => subscriptions(main, ctx) }));
    return;
  }
  if (!subs.length) {
    replace(list, emptyState("Belum ada langganan. Buka detail data lalu pilih “Ikuti seri ini”, atau simpan sebuah pencarian.",
      h("a", { class: "btn btn-secondary", href: "#/cari" }, "Cari data")));
    return;
  }
  replace(list, h("ul", { class: "results" }, subs.map((s) => h("li", { class: "result", "data-id": s.subscription_id },
    h("h2", {}, s.label),
    h("ul", { class: "meta" }, h("li", {}, s.kind === "series" ? "Seri data" : "Pencarian tersimpan"),
      h("li", {}, `sejak ${dateTime(s.created_at)}`), h("li", {}, `${s.releases_notified} rilis diberitahukan`),
      s.auto_order ? h("li", {}, "Pesan otomatis") : null),
    h("button", { type: "button", class: "btn btn-secondary btn-small", "aria-label": `Berhenti berlangganan ${s.label}`,
      onclick: (ev) => busy(ev.target, async () => {
        try { await del(`/me/subscriptions/${encodeURIComponent(s.subscription_id)}`); toast("Langganan dihentikan."); subscriptions(main, ctx); }
        catch (err) { toast(errorText(err), "error"); }
      }) }, "Berhenti berlangganan")))));
}

async function notifications(main, ctx) {
  const list = h("div", { id: "notifs" }, loading());
  replace(main, pageHeader("Notifikasi", "Pemberitahuan tentang permintaan dan langganan Anda."), list);
  let page;
  try { page = await get("/me/notifications", { page_size: 50 }); } catch (err) {
    replace(list, errorBox(err, { retry: () => notifications(main, ctx) }));
    return;
  }
  if (!page.items.length) { replace(list, emptyState("Belum ada notifikasi.")); return; }
  replace(list, h("ul", { class: "results" }, page.items.map((n) => {
    const target = n.request_id ? `#/permintaan/${encodeURIComponent(n.request_id)}` : null;
    const li = h("li", { class: ["result", n.read ? null : "unread"], "data-id": n.notif_id },
      h("h2", {}, target ? h("a", { href: target }, n.subject) : n.subject),
      h("p", { class: "muted small" }, `${dateTime(n.created_at)}${n.read ? "" : " · belum dibaca"}`),
      h("p", { class: "small" }, n.body.length > 300 ? `${n.body.slice(0, 300)}…` : n.body),
      n.read ? null : h("button", { type: "button", class: "btn btn-secondary btn-small", onclick: (ev) => busy(ev.target, async () => {
        try { await post(`/me/notifications/${encodeURIComponent(n.notif_id)}/read`); li.classList.remove("unread"); ev.target.remove(); }
        catch (err) { toast(errorText(err), "error"); }
      }) }, "Tandai sudah dibaca"));
    return li;
  })));
}

async function privacy(main) {
  const exportBtn = h("button", { type: "button", class: "btn", id: "export" }, "Unduh data saya (JSON)");
  exportBtn.addEventListener("click", () => busy(exportBtn, async () => {
    try {
      const doc = await get("/me/export");
      saveBlob(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }), "data-saya-silastik.json");
      toast("Data Anda diunduh.");
    } catch (err) { exportBtn.after(errorBox(err)); }
  }, "Menyiapkan…"));
  const confirmInput = h("input", { name: "confirm", id: "delete-confirm", autocomplete: "off" });
  const delForm = h("form", { id: "delete-form" },
    alertBox("warn", "Nama, email, telepon, dan isi pesan Anda dihapus (dianonimkan). Catatan keuangan (PNBP) dan jejak audit disimpan sesuai peraturan. Anda akan keluar dan tidak dapat membuka permintaan lama."),
    field("Ketik HAPUS untuk mengonfirmasi", confirmInput, { required: true }),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-danger", id: "delete-account" }, "Hapus akun saya")));
  const slot = h("div");
  delForm.prepend(slot);
  delForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (confirmInput.value.trim().toUpperCase() !== "HAPUS") {
      replace(slot, alertBox("error", "Ketik HAPUS untuk mengonfirmasi."));
      confirmInput.setAttribute("aria-invalid", "true");
      confirmInput.focus();
      return;
    }
    await busy(delForm.querySelector("[type=submit]"), async () => {
      try {
        await del("/me");
        logout();
        sessionStorage.clear();
        localStorage.clear();
        replace(main, pageHeader("Akun dihapus", "Data pribadi Anda sudah dihapus dari SILASTIK."),
          h("a", { class: "btn", href: "#/" }, "Ke beranda"));
        document.dispatchEvent(new CustomEvent("cart-changed"));
      } catch (err) { replace(slot, errorBox(err)); }
    }, "Menghapus…");
  });
  replace(main, pageHeader("Privasi & data saya", "Hak Anda atas data pribadi (UU Pelindungan Data Pribadi)."),
    card("Unduh data saya", h("p", {}, "Profil, permintaan dan percakapan, notifikasi, langganan, dan riwayat unduhan Anda dalam satu berkas."), exportBtn),
    card("Hapus akun", delForm));
}
