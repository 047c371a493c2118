// Shared UI pieces: messages (aria-live), error boxes, badges, form fields, busy buttons.
import { h, newId, clear, append } from "./dom.js";
import { errorSummary, errorText, errorDetails, invalidFields, getBlob } from "./api.js";
import { STATUS, label } from "./fmt.js";

/** Polite announcement for screen readers (route changes, refreshes). */
export function announce(text) {
  const live = document.getElementById("live");
  if (!live) return;
  live.textContent = "";
  window.setTimeout(() => { live.textContent = text; }, 50);
}

/** A short-lived message in the corner (also announced). type: success | error | info */
export function toast(text, type = "success") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const close = h("button", { type: "button", class: "toast-close", "aria-label": "Tutup pesan" }, "×");
  const el = h("div", { class: `toast toast-${type}`, role: type === "error" ? "alert" : "status" },
    h("span", { class: "toast-text" }, text), close);
  close.addEventListener("click", () => el.remove());
  box.append(el);
  window.setTimeout(() => el.remove(), type === "error" ? 12000 : 5000);
}

/** An error box (role=alert) with the Indonesian summary and the server's details. */
export function errorBox(err, { retry } = {}) {
  const details = errorDetails(err);
  const box = h("div", { class: "alert alert-error", role: "alert" },
    h("p", { class: "alert-title" }, errorSummary(err)),
    details.length ? h("ul", { class: "alert-details" }, details.map((d) => h("li", {}, d))) : null);
  if (retry) {
    box.append(h("button", { type: "button", class: "btn btn-secondary btn-small", onclick: retry }, "Coba lagi"));
  }
  return box;
}

export function alertBox(type, text, title) {
  return h("div", { class: `alert alert-${type}`, role: type === "error" ? "alert" : "status" },
    title ? h("p", { class: "alert-title" }, title) : null, h("p", {}, text));
}

export function loading(text = "Memuat…") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), text);
}

export function statusBadge(status) {
  return h("span", { class: `badge badge-status st-${status}` }, label(STATUS, status));
}

export function pill(text, kind = "neutral") {
  return h("span", { class: `badge badge-${kind}` }, text);
}

/** A labelled form control. `control` is an input/select/textarea element; its id is set if missing. */
export function field(labelText, control, { hint, required, className } = {}) {
  if (!control.id) control.id = newId("fld");
  const hintEl = hint ? h("p", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  if (required) control.required = true;
  const lab = h("label", { for: control.id }, labelText,
    required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null);
  return h("div", { class: ["field", className] }, lab, control, hintEl);
}

export function input(attrs = {}) {
  return h("input", { type: "text", ...attrs });
}

export function textarea(attrs = {}, value = "") {
  const t = h("textarea", { rows: 4, ...attrs });
  t.value = value;
  return t;
}

export function select(options, attrs = {}, value) {
  const sel = h("select", attrs,
    options.map(([v, text]) => h("option", { value: v }, text)));
  if (value !== undefined && value !== null) sel.value = String(value);
  return sel;
}

/** Run `fn` with the button disabled and marked busy; returns fn's result. */
export async function busy(button, fn, busyText) {
  const prev = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  if (busyText) button.textContent = busyText;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (busyText) button.textContent = prev;
  }
}

/** Show an error inside `slot` (cleared first) and flag the form's fields the API named. */
/** A download button's action: GET `path` (with `query`) as a file saved under `filename`; a failure is a toast. */
export async function downloadFile(button, path, query, filename, failText = "Gagal mengunduh") {
  try {
    await busy(button, async () => {
      const a = h("a", { href: URL.createObjectURL(await getBlob(path, query)), download: filename });
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, "Mengunduh…");
  } catch (err) {
    toast(`${failText}: ${errorText(err)}`, "error");
  }
}

export function showFormError(slot, form, err) {
  clear(slot);
  slot.append(errorBox(err));
  if (form) {
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    for (const path of invalidFields(err)) {
      const name = path.split(".").filter((p) => !/^\d+$/.test(p) && p !== "request").join(".");
      const last = name.split(".").pop();
      const el = form.querySelector(`[name="${CSS.escape(name)}"]`) || form.querySelector(`[name="${CSS.escape(last)}"]`);
      if (el) el.setAttribute("aria-invalid", "true");
    }
  }
  slot.querySelector(".alert")?.focus?.();
}

export function pageHeader(title, subtitle, ...actions) {
  return h("div", { class: "page-header" },
    h("div", { class: "page-title" },
      h("h1", { tabindex: "-1", id: "page-title" }, title),
      subtitle ? h("p", { class: "page-subtitle" }, subtitle) : null),
    actions.length ? h("div", { class: "page-actions" }, actions) : null);
}

export function card(title, ...children) {
  const id = newId("card");
  return h("section", { class: "card", "aria-labelledby": id },
    h("h2", { class: "card-title", id }, title), children);
}

export function emptyState(text) {
  return h("div", { class: "empty" }, h("p", {}, text));
}

/** A definition list from [label, value|node] pairs (empty values shown as —). */
export function dl(pairs) {
  const el = h("dl", { class: "facts" });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    append(el, [h("dt", {}, k), h("dd", {}, v === null || v === "" ? "—" : v)]);
  }
  return el;
}
