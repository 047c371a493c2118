// Shared UI pieces: page header, loading/empty/error states (every API error of SPEC §4), fields, toasts.
import { h, newId, clear, append } from "./dom.js";
import { ApiError, errorText, fieldErrors } from "./api.js";
import { login } from "./auth.js";
import { STATUS } from "./fmt.js";

export function announce(text) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 50);
}

export function toast(text, type = "success") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const close = h("button", { type: "button", "aria-label": "Tutup pesan" }, "×");
  const el = h("div", { class: `toast toast-${type}`, role: type === "error" ? "alert" : "status" }, h("span", {}, text), close);
  close.addEventListener("click", () => el.remove());
  box.append(el);
  window.setTimeout(() => el.remove(), type === "error" ? 12000 : 5000);
}

export function pageHeader(title, subtitle) {
  return h("div", { class: "page-header" },
    h("h1", { id: "page-title", tabindex: "-1" }, title),
    subtitle ? h("p", { class: "lead" }, subtitle) : null);
}

export function loading(text = "Memuat…") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

export function emptyState(text, ...actions) {
  return h("div", { class: "empty" }, h("p", {}, text), actions.length ? h("div", { class: "actions" }, actions) : null);
}

export function alertBox(type, text, title) {
  return h("div", { class: `alert alert-${type}`, role: type === "error" ? "alert" : "status" },
    title ? h("p", { class: "alert-title" }, title) : null, h("p", {}, text));
}

/** The error state: plain words, what to do (log in again / retry after N s / go back), the server's field notes. */
export function errorBox(err, { retry, labelOf } = {}) {
  const box = h("div", { class: "alert alert-error", role: "alert", tabindex: "-1" });
  const title = err instanceof ApiError && err.status === 404 ? "Tidak ditemukan"
    : err instanceof ApiError && err.status === 401 ? "Perlu masuk kembali"
      : err instanceof ApiError && err.status === 429 ? "Mohon tunggu sebentar"
        : err instanceof ApiError && err.status === 409 ? "Tidak dapat diproses"
          : err instanceof ApiError && err.status === 400 ? "Periksa isian"
            : !(err instanceof ApiError) && err && err.name === "Error" ? "Periksa isian" : "Gagal";  // the page's own checks
  append(box, [h("p", { class: "alert-title" }, title), h("p", { class: "error-text" }, errorText(err))]);
  const fields = fieldErrors(err).filter(([, m]) => m);
  // the field as its label on the page says it (the API names it in English)
  const name = (f) => (labelOf && labelOf(f)) || f;
  if (fields.length) box.append(h("ul", {}, fields.map(([f, m]) => h("li", {}, f ? `${name(f)}: ${m}` : m))));
  const actions = h("div", { class: "actions" });
  if (err instanceof ApiError && err.status === 401) {
    actions.append(h("button", { type: "button", class: "btn", onclick: () => login() }, "Masuk kembali"));
  } else if (err instanceof ApiError && err.status === 429 && retry) {
    const b = h("button", { type: "button", class: "btn btn-secondary", disabled: true }, "");
    let left = err.retryAfter;
    const tick = () => {
      if (!b.isConnected && left < err.retryAfter) return;
      if (left <= 0) { b.disabled = false; b.textContent = "Coba lagi"; return; }
      b.textContent = `Coba lagi dalam ${left} detik`;
      left -= 1;
      window.setTimeout(tick, 1000);
    };
    tick();
    b.addEventListener("click", retry);
    actions.append(b);
  } else if (err instanceof ApiError && err.status === 404) {
    actions.append(h("a", { class: "btn btn-secondary", href: "#/" }, "Ke beranda"));
  } else if (retry) {
    actions.append(h("button", { type: "button", class: "btn btn-secondary", onclick: retry }, "Coba lagi"));
  }
  if (actions.childNodes.length) box.append(actions);
  return box;
}

/** Show an error in `slot`, flag the fields the API named, move focus to the message. */
export function showFormError(slot, form, err) {
  clear(slot);
  const labelOf = (name) => {
    const el = form && form.querySelector(`[name="${CSS.escape(name)}"]`);
    const label = el && el.id ? form.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
    return label ? label.textContent.replace(/\s*\*\s*$/, "").trim() : "";
  };
  const box = errorBox(err, { labelOf });
  slot.append(box);
  if (form) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const [name] of fieldErrors(err)) {
      const el = name && form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (el) el.setAttribute("aria-invalid", "true");
    }
  }
  box.focus();
}

export function field(labelText, control, { hint, required } = {}) {
  if (!control.id) control.id = newId("f");
  const hintEl = hint ? h("p", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  if (required) control.required = true;
  return h("div", { class: "field" },
    h("label", { for: control.id }, labelText, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
    control, hintEl);
}

export function select(options, attrs = {}, value) {
  const sel = h("select", attrs, options.map(([v, text]) => h("option", { value: v }, text)));
  if (value !== undefined && value !== null) sel.value = String(value);
  return sel;
}

export async function busy(button, fn, text) {
  const prev = button.textContent;
  const hadFocus = document.activeElement === button;  // a disabled button loses the focus to the page
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (text) button.textContent = text;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (text) button.textContent = prev;
    const lost = !document.activeElement || document.activeElement === document.body;
    if (hadFocus && lost && button.isConnected) button.focus({ preventScroll: true });
  }
}

export function card(title, ...children) {
  const id = newId("c");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), children);
}

export function facts(pairs) {
  const el = h("dl", { class: "facts" });
  for (const pair of pairs) {
    if (!pair || pair[1] === undefined) continue;
    const [k, v] = pair;
    append(el, [h("dt", {}, k), h("dd", {}, v === null || v === "" ? "—" : v)]);
  }
  return el;
}

export function statusBadge(status) {
  const entry = STATUS[status] || [status, "", "work"];
  return h("span", { class: `st st-${entry[2]}`, "data-status": status }, entry[0]);
}

/** A gate for pages that need an account. */
export function loginGate(what) {
  return h("div", { class: "card" },
    h("h1", { id: "page-title", tabindex: "-1" }, "Masuk diperlukan"),
    h("p", {}, `Untuk ${what}, silakan masuk dengan akun SSO Anda. Belum punya akun? Daftar gratis.`),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", id: "gate-login", onclick: () => login() }, "Masuk"),
      h("button", { type: "button", class: "btn btn-secondary", id: "gate-signup",
        onclick: () => login(window.location.hash || "#/", { signup: true }) }, "Daftar akun")));
}
