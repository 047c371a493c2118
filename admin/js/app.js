// SILASTIK operator page: boot (config, SSO login), the shell (menu by role), hash routing.
import { loadConfig } from "./config.js";
import * as auth from "./auth.js";
import { configure, get, errorSummary, errorText } from "./api.js";
import { h, clear, replace } from "./dom.js";
import { ROLE, label } from "./fmt.js";
import { announce, toast, alertBox } from "./ui.js";
import * as queueView from "./views/queue.js";
import * as requestView from "./views/request.js";
import * as intakeView from "./views/intake.js";
import * as forumView from "./views/forum.js";
import * as escalationsView from "./views/escalations.js";
import * as rosterView from "./views/roster.js";
import * as operatorsView from "./views/operators.js";
import * as allRequestsView from "./views/all-requests.js";
import * as reportsView from "./views/reports.js";
import * as catalogView from "./views/catalog.js";
import * as notificationsView from "./views/notifications.js";
import * as releasesView from "./views/releases.js";
import * as faqView from "./views/faq.js";
import * as staffView from "./views/staff.js";
import * as repliesView from "./views/replies.js";
import * as paymentsView from "./views/payments.js"; // money (issue 16)

const OPS = ["operator", "supervisor", "admin"];
const STAFF = ["operator", "supervisor", "producer", "admin"];
const SUPERVISOR = ["supervisor", "admin"];
const ADMIN = ["admin"];

// path pattern → view; `nav` entries appear in the menu (in this order) for users holding one of `roles`.
const ROUTES = [
  { path: "antrian", view: queueView, roles: OPS, nav: "Antrian saya", group: "Layanan", icon: "inbox" },
  { path: "pencatatan", view: intakeView, roles: OPS, nav: "Catat permintaan", group: "Layanan", icon: "plus" },
  { path: "eskalasi", view: escalationsView, roles: STAFF, nav: "Eskalasi", group: "Layanan", icon: "up" },
  { path: "forum", view: forumView, roles: STAFF, nav: "Forum petugas", group: "Layanan", icon: "chat" },
  { path: "jadwal", view: rosterView, roles: STAFF, nav: "Jadwal piket", group: "Layanan", icon: "calendar" },
  { path: "notifikasi", view: notificationsView, roles: STAFF, nav: "Notifikasi", group: "Layanan", icon: "bell" },
  { path: "kalender", view: releasesView, roles: STAFF, nav: "Kalender Rilis", group: "Layanan", icon: "release" },
  { path: "faq", view: faqView, roles: STAFF, nav: "FAQ", group: "Layanan", icon: "help" },
  { path: "balasan", view: repliesView, roles: ["operator", "supervisor"], nav: "Balasan siap pakai", group: "Layanan",
    icon: "chat" },
  { path: "permintaan", view: allRequestsView, roles: SUPERVISOR, nav: "Semua permintaan", group: "Supervisor",
    icon: "list" },
  { path: "operator", view: operatorsView, roles: SUPERVISOR, nav: "Operator & kuota", group: "Supervisor",
    icon: "users" },
  { path: "laporan", view: reportsView, roles: SUPERVISOR, nav: "Laporan", group: "Supervisor", icon: "chart" },
  // money (issue 16): payment work items and reconciliation; the API's supervisors only (admin is not one)
  { path: "pembayaran", view: paymentsView, roles: ["supervisor"], nav: "Pembayaran", group: "Supervisor",
    icon: "money" },
  { path: "katalog", view: catalogView, roles: ADMIN, nav: "Katalog data", group: "Administrasi", icon: "book" },
  { path: "petugas", view: staffView, roles: ADMIN, nav: "Petugas & unit", group: "Administrasi", icon: "users" },
  { path: "permintaan/:id", view: requestView, roles: STAFF },
  { path: "requests/:id", view: requestView, roles: STAFF },
  { path: "forum/:id", view: forumView, roles: STAFF },
  { path: "eskalasi/:id", view: escalationsView, roles: STAFF },
  { path: "escalations/:id", view: escalationsView, roles: STAFF },
  { path: "katalog/:id", view: catalogView, roles: ADMIN },
  { path: "faq/usul/:id", view: faqView, roles: OPS },
];

const ICONS = {
  inbox: "M4 13h4l2 3h4l2-3h4M4 13l2-8h12l2 8v6H4z",
  plus: "M12 5v14M5 12h14",
  up: "M12 19V5M6 11l6-6 6 6",
  chat: "M4 5h16v11H9l-5 4z",
  calendar: "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
  bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20h4",
  list: "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
  users: "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 12 0v1M16 3.5a4 4 0 0 1 0 7.5M22 21v-1a6 6 0 0 0-4-5.6",
  chart: "M4 20V10M10 20V4M16 20v-7M22 20H2",
  money: "M3 7h18v10H3zM12 9.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5zM6 10v4M18 10v4",
  book: "M4 4h7a2 2 0 0 1 2 2v14a2 2 0 0 0-2-2H4zM20 4h-7a2 2 0 0 0-2 2v14a2 2 0 0 1 2-2h7z",
  release: "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5M9 15l2 2 4-4",
  help: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6V14M12 17h.01",
};

const state = { user: null, config: null, cleanups: [], unread: null, navToken: 0 };

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name] || ICONS.list);
  svg.append(path);
  return svg;
}

function allowed(route, user) {
  return auth.hasRole(user, ...route.roles);
}

function match(hash) {
  const path = decodeURIComponent(hash.replace(/^#\/?/, "").split("?")[0]).replace(/\/+$/, "");
  const parts = path ? path.split("/") : [];
  for (const route of ROUTES) {
    const rp = route.path.split("/");
    if (rp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    rp.forEach((seg, i) => {
      if (seg.startsWith(":")) params[seg.slice(1)] = parts[i];
      else if (seg !== parts[i]) ok = false;
    });
    if (ok) return { route, params };
  }
  return null;
}

function homeFor(user) {
  if (auth.hasRole(user, ...OPS)) return "#/antrian";
  if (auth.hasRole(user, "producer")) return "#/eskalasi";
  return "#/forum";
}

function buildShell(user) {
  const nav = document.getElementById("sidebar");
  clear(nav);
  const groups = new Map();
  for (const r of ROUTES) {
    if (!r.nav || !allowed(r, user)) continue;
    if (!groups.has(r.group)) groups.set(r.group, []);
    groups.get(r.group).push(r);
  }
  for (const [group, routes] of groups) {
    const id = `nav-${group.toLowerCase()}`;
    nav.append(h("div", { class: "nav-group" },
      h("h2", { class: "nav-group-title", id }, group),
      h("ul", { class: "nav-list", "aria-labelledby": id },
        routes.map((r) => h("li", {},
          h("a", { href: `#/${r.path}`, class: "nav-link", dataset: { route: r.path } },
            icon(r.icon), h("span", { class: "nav-text" }, r.nav),
            r.path === "notifikasi" ? h("span", { class: "nav-count", id: "unread-count", hidden: true }) : null))))));
  }
  nav.hidden = false;

  const box = document.getElementById("user-box");
  const roles = user.roles.filter((r) => r !== "consumer").map((r) => label(ROLE, r)).join(", ");
  const logoutBtn = h("button", { type: "button", class: "btn btn-ghost", id: "logout" }, "Keluar");
  logoutBtn.addEventListener("click", () => {
    auth.logout();
    window.location.hash = "";
    showLoggedOut();
  });
  replace(box,
    h("div", { class: "user-meta" },
      h("span", { class: "user-name", id: "user-name" }, user.name),
      h("span", { class: "user-roles" }, roles)),
    logoutBtn);
  box.hidden = false;

  const toggle = document.getElementById("nav-toggle");
  toggle.hidden = false;
  toggle.onclick = () => {
    const open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
    if (open) nav.querySelector("a")?.focus();
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && nav.classList.contains("open")) {
      nav.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
}

const DETAIL_PARENT = { "permintaan/:id": "antrian", "requests/:id": "antrian", "forum/:id": "forum",
  "eskalasi/:id": "eskalasi", "escalations/:id": "eskalasi", "katalog/:id": "katalog", "faq/usul/:id": "faq" };

function markActiveNav(routePath) {
  let target = routePath;
  if (DETAIL_PARENT[routePath]) {
    target = DETAIL_PARENT[routePath];
    // a request opened from "Semua permintaan" keeps that menu entry highlighted
    if (target === "antrian" && state.lastList === "permintaan") target = "permintaan";
  } else {
    state.lastList = routePath;
  }
  for (const a of document.querySelectorAll(".nav-link")) {
    const on = a.dataset.route === target;
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function render() {
  const main = document.getElementById("main");
  for (const fn of state.cleanups.splice(0)) {
    try { fn(); } catch { /* a view's cleanup must not break navigation */ }
  }
  const nav = document.getElementById("sidebar");
  nav.classList.remove("open");
  document.getElementById("nav-toggle").setAttribute("aria-expanded", "false");
  const found = match(window.location.hash);
  if (!found) {
    window.location.replace(homeFor(state.user));
    return;
  }
  const { route, params } = found;
  markActiveNav(route.path);
  const token = ++state.navToken;
  const view = h("div", { class: "view" });
  replace(main, view);
  if (!allowed(route, state.user)) {
    view.append(h("h1", { tabindex: "-1", id: "page-title" }, "Akses ditolak"),
      alertBox("error", "Menu ini tidak tersedia untuk peran Anda."));
    focusTitle("Akses ditolak");
    return;
  }
  const ctx = {
    user: state.user,
    config: state.config,
    route: route.path,
    onLeave: (fn) => state.cleanups.push(fn),
    isCurrent: () => token === state.navToken,
    setTitle: (t) => { document.title = `${t} — SILASTIK`; },
    refreshUnread,
  };
  try {
    await route.view.render(view, params, ctx);
  } catch (err) {
    view.append(alertBox("error", errorText(err), "Gagal menampilkan halaman"));
  }
  if (token === state.navToken) focusTitle();
}

function focusTitle(text) {
  const title = document.getElementById("page-title");
  if (!title) return;
  const t = text || title.textContent;
  document.title = `${t} — SILASTIK`;
  if (state.initialRender) {
    title.focus({ preventScroll: false });
  }
  state.initialRender = true;
  announce(`Halaman ${t}`);
}

async function refreshUnread() {
  const badge = document.getElementById("unread-count");
  if (!badge) return;
  try {
    const page = await get("/me/notifications", { page_size: 50 });
    const n = (page.items || []).filter((x) => !x.read).length;
    badge.textContent = n > 49 ? "49+" : String(n);
    badge.hidden = n === 0;
    badge.setAttribute("aria-label", `${n} belum dibaca`);
  } catch {
    badge.hidden = true;
  }
}

function bootMessage(...nodes) {
  document.getElementById("sidebar").hidden = true;
  document.getElementById("user-box").hidden = true;
  const main = document.getElementById("main");
  replace(main, h("div", { class: "view boot-view" }, nodes));
  main.querySelector("h1")?.focus();
}

function showLoggedOut() {
  const btn = h("button", { type: "button", class: "btn btn-primary", id: "login" }, "Masuk dengan SSO");
  btn.addEventListener("click", () => auth.login("#/"));
  bootMessage(h("div", { class: "card card-narrow" },
    h("h1", { tabindex: "-1", id: "page-title" }, "Anda telah keluar"),
    h("p", {}, "Sesi Anda di halaman petugas SILASTIK sudah diakhiri."),
    btn));
}

function showRefused(user) {
  const btn = h("button", { type: "button", class: "btn btn-primary", id: "logout" }, "Keluar");
  btn.addEventListener("click", () => { auth.logout(); showLoggedOut(); });
  const other = h("button", { type: "button", class: "btn btn-secondary", id: "switch-user" }, "Masuk sebagai petugas lain");
  other.addEventListener("click", () => { auth.logout(); auth.login("#/"); });
  bootMessage(h("div", { class: "card card-narrow refused", id: "refused" },
    h("h1", { tabindex: "-1", id: "page-title" }, "Halaman ini hanya untuk petugas"),
    h("p", {}, `Anda masuk sebagai ${user.name || user.sub} dengan peran `,
      h("strong", {}, user.roles.map((r) => label(ROLE, r)).join(", ") || "tanpa peran"), "."),
    h("p", {}, "Dasbor ini hanya dapat digunakan oleh operator, supervisor, produsen data, dan administrator "
      + "layanan statistik. Untuk mencari data, berkonsultasi, atau memesan data, gunakan portal layanan publik."),
    h("div", { class: "actions" }, btn, other)));
  document.title = "Akses ditolak — SILASTIK";
}

function showBootError(err) {
  const btn = h("button", { type: "button", class: "btn btn-primary", id: "login" }, "Masuk kembali");
  btn.addEventListener("click", () => auth.login("#/"));
  bootMessage(h("div", { class: "card card-narrow" },
    h("h1", { tabindex: "-1", id: "page-title" }, "Tidak dapat masuk"),
    h("div", { class: "alert alert-error", role: "alert" },
      h("p", { class: "alert-title" }, errorSummary(err))),
    btn));
}

async function boot() {
  let cfg;
  try {
    cfg = await loadConfig();
  } catch (err) {
    showBootError(new Error(`Konfigurasi halaman tidak dapat dimuat (${errorText(err)})`));
    return;
  }
  state.config = cfg;
  configure(cfg);
  let result;
  try {
    result = await auth.init(cfg, {
      expired: () => toast("Sesi Anda telah berakhir. Mengalihkan ke halaman masuk…", "info"),
    });
  } catch (err) {
    showBootError(err);
    return;
  }
  if (result.loggedOut) { showLoggedOut(); return; }
  if (!result.session) { await auth.login(window.location.hash || "#/"); return; }
  const user = auth.user();
  // the effective roles: the SSO's, combined with the staff directory (GET /me/roles); the token's otherwise
  try {
    user.roles = (await get("/me/roles")).roles;
  } catch { /* no role the API accepts, or the API unreachable: the token's roles decide what is shown */ }
  state.user = user;
  if (!auth.isStaff(user)) { showRefused(user); return; }
  buildShell(user);
  window.addEventListener("hashchange", render);
  // keep the session fresh while the page stays open all day; a failed refresh leads to a new login
  window.setInterval(() => { auth.accessToken().catch(() => {}); }, 60 * 1000);
  if (!window.location.hash || window.location.hash === "#/" || window.location.hash === "#") {
    window.history.replaceState(null, "", `${window.location.pathname}${homeFor(user)}`);
  }
  await render();
  refreshUnread();
  window.setInterval(() => { if (!document.hidden) refreshUnread(); }, 60 * 1000);
}

boot();
