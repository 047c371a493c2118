// Admin: the staff directory (roles of SSO users, operators' quota and services, producers' units) and the
// producer units. API: GET/POST /ops/staff, PATCH /ops/staff/{user_id}, GET/POST /ops/units, PATCH /ops/units/{code}.
import { h, replace, clear } from "../dom.js";
import { get, post, patch, errorSummary } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, busy, toast, showFormError, card, emptyState, field, input, pill } from "../ui.js";

const STAFF_ROLES = ["operator", "supervisor", "producer", "admin"];

function checkboxes(name, options, chosen, idPrefix) {
  return h("fieldset", { class: "checks" },
    h("legend", { class: "visually-hidden" }, name),
    options.map(([value, text]) => {
      const id = `${idPrefix}-${String(value).replace(/[^a-z0-9_]/gi, "-")}`;
      return h("label", { class: "check small", for: id },
        h("input", { type: "checkbox", id, name, value, checked: chosen.includes(value) }), h("span", {}, text));
    }));
}

function checked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((c) => c.value);
}

/** The fields shared by the create and edit forms; returns the form and a function reading its body. */
function staffForm(units, s, idPrefix, { create }) {
  const form = h("form", { class: "form staff-form", id: `${idPrefix}-form`, novalidate: true });
  const userId = input({ name: "user_id", id: `${idPrefix}-user_id`, maxlength: "128", autocomplete: "off",
    spellcheck: "false" });
  const name = input({ name: "name", id: `${idPrefix}-name`, maxlength: "200", value: s ? s.name : "" });
  const email = input({ type: "email", name: "email", id: `${idPrefix}-email`, maxlength: "254",
    value: s && s.email ? s.email : "" });
  const roles = checkboxes("roles", STAFF_ROLES.map((r) => [r, fmt.label(fmt.ROLE, r)]), s ? s.roles : [],
    `${idPrefix}-role`);
  const quota = input({ type: "number", name: "quota", id: `${idPrefix}-quota`, min: "0", max: "100", step: "1",
    value: s && s.operator ? s.operator.quota : 5, class: "input-narrow" });
  const services = checkboxes("services", Object.entries(fmt.SERVICES),
    s && s.operator ? s.operator.services : [], `${idPrefix}-svc`);
  const unitBoxes = checkboxes("units", units.filter((u) => u.active || (s && s.units.includes(u.code)))
    .map((u) => [u.code, u.name]), s ? s.units : [], `${idPrefix}-unit`);
  const active = h("input", { type: "checkbox", name: "active", id: `${idPrefix}-active`, checked: s ? s.active : true });
  form.append(
    create ? field("ID pengguna SSO (sub)", userId, { required: true,
      hint: "Salin dari penyedia identitas (Keycloak: ID pengguna; Cognito: atribut sub)." }) : null,
    field("Nama", name, { required: true, hint: "Teks biasa, tanpa tautan." }),
    field("Email", email),
    h("div", { class: "field" }, h("span", { class: "label" }, "Peran"), roles),
    field("Kuota operator", quota, { hint: "Jumlah maksimum permintaan dalam proses (hanya untuk operator)." }),
    h("div", { class: "field" }, h("span", { class: "label" }, "Layanan operator (kosong = semua)"), services),
    h("div", { class: "field" }, h("span", { class: "label" }, "Unit produsen (hanya untuk produsen data)"), unitBoxes),
    h("label", { class: "check", for: active.id }, active, h("span", {}, "Aktif")));

  function body() {
    const chosen = checked(form, "roles");
    const out = { name: name.value.trim(), email: email.value.trim() || null, roles: chosen, active: active.checked };
    if (create) out.user_id = userId.value.trim();
    if (chosen.includes("operator")) {
      out.quota = Number(quota.value);
      out.services = checked(form, "services");
    }
    out.units = chosen.includes("producer") ? checked(form, "units") : [];
    if (create && out.email === null) delete out.email;
    return out;
  }
  return { form, body };
}

export async function render(view, _params, ctx) {
  view.append(pageHeader("Petugas & unit",
    "Daftar petugas menentukan peran staf pengguna SSO: operator, supervisor, produsen data, dan administrator. "
    + "Petugas yang dinonaktifkan langsung kehilangan peran stafnya."));
  const staffBody = h("div", { id: "staff-list" }, loading());
  const editSlot = h("div", { id: "staff-edit" });
  const createSlot = h("div", { id: "staff-create" });
  const unitBody = h("div", { id: "unit-list" }, loading());
  const unitCreate = h("div", { id: "unit-create" });
  view.append(card("Petugas", staffBody, editSlot), card("Tambah petugas", createSlot),
    card("Unit produsen data", unitBody, unitCreate));
  let units = [];
  // a unit's name being typed survives a reload of the lists (after any change on the page); only the newest
  // reload renders: an older one answering late must not put back what the page showed before a change
  const drafts = new Map();
  let loads = 0;

  async function load() {
    const mine = ++loads;
    let staff, fresh;
    try {
      [staff, fresh] = await Promise.all([get("/ops/staff"), get("/ops/units")]);
    } catch (err) {
      if (mine !== loads) return;
      replace(staffBody, errorBox(err, { retry: load }));
      clear(unitBody);
      return;
    }
    if (!ctx.isCurrent() || mine !== loads) return;
    units = fresh;
    renderStaff(staff);
    renderUnits();
    renderCreate();
  }

  function renderStaff(staff) {
    if (!staff.length) { replace(staffBody, emptyState("Belum ada petugas terdaftar.")); return; }
    replace(staffBody, h("div", { class: "table-wrap" }, h("table", { class: "table table-cards staff-table" },
      h("caption", { class: "visually-hidden" }, "Petugas, peran, status, kuota, dan unit"),
      h("thead", {}, h("tr", {}, ["Petugas", "Peran", "Status", "Operator", "Unit", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, staff.map(staffRow)))));
  }

  function staffRow(s) {
    const edit = h("button", { type: "button", class: "btn btn-secondary btn-small", id: `edit-${s.user_id}` }, "Ubah");
    edit.addEventListener("click", () => renderEdit(s));
    const toggle = h("button", { type: "button", class: "btn btn-ghost btn-small", id: `toggle-${s.user_id}` },
      s.active ? "Nonaktifkan" : "Aktifkan");
    toggle.addEventListener("click", async () => {
      try {
        await busy(toggle, () => patch(`/ops/staff/${encodeURIComponent(s.user_id)}`, { active: !s.active }), "Menyimpan…");
        toast(`${s.name} ${s.active ? "dinonaktifkan" : "diaktifkan"}.`);
        await load();
      } catch (err) {
        toast(errorSummary(err), "error");
      }
    });
    const op = s.operator;
    return h("tr", { dataset: { staff: s.user_id } },
      h("th", { scope: "row", "data-label": "Petugas" }, h("div", {}, s.name),
        h("div", { class: "small muted" }, s.user_id, s.email ? ` · ${s.email}` : "")),
      h("td", { "data-label": "Peran" }, s.roles.map((r) => fmt.label(fmt.ROLE, r)).join(", ")),
      h("td", { "data-label": "Status" }, s.active ? pill("aktif", "ok") : pill("nonaktif", "neutral")),
      h("td", { "data-label": "Operator" }, op
        ? `kuota ${op.quota}, beban ${op.load}${op.active ? "" : " (nonaktif)"}` : "—"),
      h("td", { "data-label": "Unit" }, s.units.length
        ? s.units.map((u) => (units.find((x) => x.code === u) || { name: u }).name).join(", ") : "—"),
      h("td", {}, edit, " ", toggle));
  }

  function renderEdit(s) {
    const { form, body } = staffForm(units, s, "edit", { create: false });
    const save = h("button", { type: "submit", class: "btn btn-primary", id: "edit-save" }, "Simpan perubahan");
    const cancel = h("button", { type: "button", class: "btn btn-ghost", id: "edit-cancel" }, "Batal");
    const slot = h("div", { class: "form-error" });
    cancel.addEventListener("click", () => clear(editSlot));
    form.append(h("div", { class: "actions" }, save, cancel), slot);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clear(slot);
      try {
        await busy(save, () => patch(`/ops/staff/${encodeURIComponent(s.user_id)}`, body()), "Menyimpan…");
        toast(`Data ${s.name} tersimpan.`);
        clear(editSlot);
        await load();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    replace(editSlot, h("h3", { id: "edit-title", tabindex: "-1" }, `Ubah petugas: ${s.name}`), form);
    editSlot.querySelector("#edit-title").focus();
  }

  function renderCreate() {
    const { form, body } = staffForm(units, null, "new", { create: true });
    const save = h("button", { type: "submit", class: "btn btn-primary", id: "new-save" }, "Tambah petugas");
    const slot = h("div", { class: "form-error" });
    form.append(h("div", { class: "actions" }, save), slot);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clear(slot);
      try {
        const out = await busy(save, () => post("/ops/staff", body()), "Menyimpan…");
        toast(`${out.name} ditambahkan sebagai ${out.roles.map((r) => fmt.label(fmt.ROLE, r)).join(", ")}.`);
        await load();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    replace(createSlot, form);
  }

  function renderUnits() {
    const rows = units.map((u) => {
      const name = input({ name: "name", id: `unit-name-${u.code}`, value: drafts.get(u.code) ?? u.name,
        maxlength: "200" });
      name.addEventListener("input", () => drafts.set(u.code, name.value));
      const save = h("button", { type: "button", class: "btn btn-secondary btn-small", id: `unit-save-${u.code}` }, "Simpan");
      const toggle = h("button", { type: "button", class: "btn btn-ghost btn-small", id: `unit-toggle-${u.code}` },
        u.active ? "Nonaktifkan" : "Aktifkan");
      const change = async (button, changes, done) => {
        try {
          await busy(button, () => patch(`/ops/units/${encodeURIComponent(u.code)}`, changes), "Menyimpan…");
          if ("name" in changes) drafts.delete(u.code);
          toast(done);
          await load();
        } catch (err) {
          toast(errorSummary(err), "error");
        }
      };
      save.addEventListener("click", () => change(save, { name: name.value.trim() }, `Unit ${u.code} tersimpan.`));
      toggle.addEventListener("click", () => change(toggle, { active: !u.active },
        `Unit ${u.code} ${u.active ? "dinonaktifkan" : "diaktifkan"}.`));
      return h("tr", { dataset: { unit: u.code } },
        h("th", { scope: "row", "data-label": "Kode" }, u.code),
        h("td", { "data-label": "Nama" }, h("label", { for: name.id, class: "visually-hidden" }, `Nama unit ${u.code}`), name),
        h("td", { "data-label": "Status" }, u.active ? pill("aktif", "ok") : pill("nonaktif", "neutral"),
          u.builtin ? " " : null, u.builtin ? pill("bawaan", "neutral") : null),
        h("td", {}, save, " ", toggle));
    });
    replace(unitBody, h("div", { class: "table-wrap" }, h("table", { class: "table table-cards units-table" },
      h("caption", { class: "visually-hidden" }, "Unit produsen data"),
      h("thead", {}, h("tr", {}, ["Kode", "Nama", "Status", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))));

    const form = h("form", { class: "form form-inline", id: "unit-form", novalidate: true });
    const code = input({ name: "code", id: "unit-code", maxlength: "32", pattern: "[a-z][a-z0-9_-]{1,31}",
      autocomplete: "off", spellcheck: "false" });
    const name = input({ name: "name", id: "unit-new-name", maxlength: "200" });
    const add = h("button", { type: "submit", class: "btn btn-primary", id: "unit-add" }, "Tambah unit");
    const slot = h("div", { class: "form-error" });
    form.append(field("Kode unit", code, { required: true, hint: "Huruf kecil, angka, - atau _; contoh: ipds." }),
      field("Nama unit", name, { required: true }), h("div", { class: "actions" }, add), slot);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clear(slot);
      try {
        await busy(add, () => post("/ops/units", { code: code.value.trim(), name: name.value.trim() }), "Menyimpan…");
        toast(`Unit ${code.value.trim()} ditambahkan.`);
        await load();
      } catch (err) {
        showFormError(slot, form, err);
      }
    });
    replace(unitCreate, h("h3", {}, "Tambah unit"), form);
  }

  await load();
}
