// Boot (config, login callback), hash routing with the query in the address (#/cari?q=…), header state.
import { loadConfig } from "./config.js";
import * as auth from "./auth.js";
import { configure } from "./api.js";
import { h, replace } from "./dom.js";
import { errorBox, loginGate, announce, alertBox } from "./ui.js";
import { cart } from "./store.js";

// route → view module (loaded on first use: the home page loads only what it shows)
const ROUTES = {
  "": "home", cari: "search", katalog: "item", kalender: "releases", faq: "faq", profil: "profile",
  konsultasi: "consult", keranjang: "order", pengaduan: "complaint", permintaan: "requests",
  langganan: "account", notifikasi: "account", privasi: "account", masuk: "login", daftar: "login",
};
const TITLES = { "": "Beranda", cari: "Cari data", katalog: "Detail data", kalender: "Kalender rilis", faq: "FAQ",
  profil: "Profil", konsultasi: "Konsultasi", keranjang: "Keranjang & pemesanan", pengaduan: "Pengaduan",
  permintaan: "Permintaan saya", langganan: "Langganan", notifikasi: "Notifikasi", privasi: "Privasi",
  masuk: "Masuk", daftar: "Daftar" };

let config = null;
let renderSeq = 0;
let firstRoute = true;

export function parseHash(hash = window.location.hash) {
  const raw = String(hash || "").replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map((p) => { try { return decodeURIComponent(p); } catch { return p; } });
  return { parts, query: new URLSearchParams(query) };
}

function updateHeader() {
  const count = cart().length;
  const c = document.getElementById("cart-count");
  if (c) c.textContent = String(count);
  const link = document.getElementById("cart-link");
  if (link) link.setAttribute("aria-label", `Keranjang, ${count} data`);
  const box = document.getElementById("user-box");
  if (!box) return;
  const u = auth.loggedIn() ? auth.user() : null;
  if (u) {
    replace(box, h("a", { href: "#/profil", id: "user-link", title: u.name }, "Akun"));
  } else {
    // back to the page the visitor was on after the SSO (the href is the no-script fallback)
    replace(box, h("a", { href: "#/masuk", id: "login", onclick: (ev) => {
      ev.preventDefault();
      auth.login(window.location.hash || "#/");
    } }, "Masuk"));
  }
}

function markNav(first) {
  for (const a of document.querySelectorAll("#nav a")) {
    if (a.dataset.route === first) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route() {
  const seq = ++renderSeq;
  const { parts, query } = parseHash();
  const first = parts[0] || "";
  const main = document.getElementById("main");
  const name = ROUTES[first];
  markNav(first);
  document.title = `${TITLES[first] || "Halaman"} — SILASTIK`;
  const wasFirst = firstRoute;
  firstRoute = false;
  if (!name) {
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Halaman tidak ditemukan"),
      alertBox("info", "Alamat ini tidak dikenal. Kembali ke beranda untuk mencari data."),
      h("a", { class: "btn", href: "#/" }, "Ke beranda"));
    return;
  }
  try {
    const mod = await import(`./views/${name}.js`);
    if (seq !== renderSeq) return;
    const need = typeof mod.needsLogin === "function" ? mod.needsLogin(parts) : mod.needsLogin;
    if (need && !auth.loggedIn()) {
      // a link from an e-mail (first page of the visit): straight to the SSO; otherwise explain first
      if (wasFirst && !sessionStorage.getItem("silastik.portal.loggedOut")) {
        await auth.login(window.location.hash);
        return;
      }
      replace(main, loginGate(need));
      focusTitle(wasFirst);
      return;
    }
    const ctx = { parts, query, config, user: auth.loggedIn() ? auth.user() : null, isCurrent: () => seq === renderSeq };
    await mod.render(main, ctx);
    if (seq !== renderSeq) return;
    focusTitle(wasFirst);
    announce(document.title);
  } catch (err) {
    if (seq !== renderSeq) return;
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Gagal memuat halaman"), errorBox(err, { retry: route }));
  }
}

function focusTitle(initial) {
  if (initial) return; // first load: leave focus where the browser puts it
  const t = document.getElementById("page-title");
  if (t) t.focus({ preventScroll: false });
  window.scrollTo(0, 0);
}

/** Log out (the SSO session is the identity provider's; the tab forgets its tokens). */
export function rerender() {
  return route();
}

async function boot() {
  const main = document.getElementById("main");
  try {
    config = await loadConfig();
  } catch (err) {
    main.append(errorBox(err));
    return;
  }
  configure(config);
  try {
    await auth.init(config, { expired: updateHeader });
  } catch (err) {
    updateHeader();
    replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Gagal masuk"), errorBox(err),
      h("button", { type: "button", class: "btn", onclick: () => auth.login("#/") }, "Coba masuk lagi"));
    return;
  }
  updateHeader();
  document.addEventListener("cart-changed", updateHeader);
  window.addEventListener("storage", updateHeader);
  window.addEventListener("hashchange", route);
  await route();
}

boot();
