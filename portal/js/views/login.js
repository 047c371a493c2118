// #/masuk and #/daftar: straight to the SSO (sign-up asks for its registration page).
import { h, replace } from "../dom.js";
import { login, loggedIn } from "../auth.js";
import { loading } from "../ui.js";

export async function render(main, ctx) {
  if (loggedIn()) { window.location.hash = "#/permintaan"; return; }
  replace(main, h("h1", { id: "page-title", tabindex: "-1" }, "Mengalihkan ke halaman masuk…"), loading());
  await login(ctx.query.get("kembali") || "#/permintaan", { signup: ctx.parts[0] === "daftar" });
}
