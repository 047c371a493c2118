// Duty roster ("jadwal piket"): a week view (Monday–Sunday, WIB). Supervisors add/remove shifts locally,
// then save the whole week with PUT /ops/roster (days listed so emptied days are cleared too).
import { h, replace, clear } from "../dom.js";
import { get, put } from "../api.js";
import * as fmt from "../fmt.js";
import { hasRole } from "../auth.js";
import { pageHeader, errorBox, loading, field, select, busy, toast, announce, showFormError, alertBox, card } from "../ui.js";

const PRESETS = [
  ["07:30", "16:00", "Pagi–sore (07.30–16.00)"],
  ["07:30", "12:00", "Pagi (07.30–12.00)"],
  ["12:00", "16:00", "Siang (12.00–16.00)"],
  ["00:00", "00:00", "Sehari penuh (24 jam)"],
];

function minutesOf(hhmm) {
  const [hh, mm] = hhmm.split(":").map(Number);
  return hh * 60 + mm;
}
function hhmm(min) {
  const m = ((min % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
function shiftLabel(s) {
  const end = s.endMin === 1440 ? "24.00" : hhmm(s.endMin).replace(":", ".");
  return `${hhmm(s.startMin).replace(":", ".")}–${end}${s.endMin > 1440 ? " (+1)" : ""}`;
}

/** API shift (local ISO strings with +07:00) → {operator_id, day, startMin, endMin}. */
function fromApi(s) {
  const m = /T(\d{2}):(\d{2})/.exec(s.start);
  const startMin = m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  const dur = Math.round((new Date(s.end) - new Date(s.start)) / 60000);
  return { operator_id: s.operator_id, day: s.day, startMin, endMin: startMin + dur, onDuty: Boolean(s.on_duty_now) };
}

function toApi(s) {
  const endDay = fmt.addDays(s.day, Math.floor(s.endMin / 1440));
  return { operator_id: s.operator_id, start: fmt.wibIso(s.day, hhmm(s.startMin)), end: fmt.wibIso(endDay, hhmm(s.endMin)) };
}

export async function render(view, _params, ctx) {
  const editable = hasRole(ctx.user, "supervisor", "admin");
  let monday = fmt.mondayOf(fmt.localDay());
  let shifts = [];
  let operators = [];
  let dirty = false;
  let onDutyNow = [];

  const prev = h("button", { type: "button", class: "btn btn-secondary", id: "roster-prev", "aria-label": "Minggu sebelumnya" }, "‹ Sebelumnya");
  const next = h("button", { type: "button", class: "btn btn-secondary", id: "roster-next", "aria-label": "Minggu berikutnya" }, "Berikutnya ›");
  const thisWeek = h("button", { type: "button", class: "btn btn-ghost" }, "Minggu ini");
  const weekLabel = h("span", { class: "week-label", id: "roster-week", "aria-live": "polite" });
  view.append(pageHeader("Jadwal piket", editable
    ? "Atur shift operator per minggu (WIB). Delegasi otomatis hanya memberi permintaan kepada operator yang sedang piket."
    : "Jadwal piket operator per minggu (WIB)."),
  h("div", { class: "toolbar" }, prev, weekLabel, next, thisWeek));

  const status = h("div", { class: "form-error", id: "roster-error" });
  const grid = h("div", { id: "roster-grid" }, loading("Memuat jadwal…"));
  const dirtyNote = h("span", { class: "dirty-note", id: "roster-dirty", hidden: true }, "Ada perubahan yang belum disimpan");
  const save = h("button", { type: "button", class: "btn btn-primary", id: "roster-save", disabled: true }, "Simpan jadwal minggu ini");
  const discard = h("button", { type: "button", class: "btn btn-ghost", id: "roster-discard", disabled: true }, "Batalkan perubahan");
  const copy = h("button", { type: "button", class: "btn btn-secondary", id: "roster-copy" }, "Salin dari minggu lalu");

  // the "add shift" form
  const opSel = select([], { name: "operator_id", id: "shift-operator" });
  const dayBoxes = h("div", { class: "day-checks", role: "group", "aria-labelledby": "shift-days-label" });
  const start = h("input", { type: "time", name: "start", id: "shift-start", value: "07:30", required: true });
  const end = h("input", { type: "time", name: "end", id: "shift-end", value: "16:00", required: true });
  const preset = select([["", "— pola shift —"], ...PRESETS.map(([a, b, t]) => [`${a}-${b}`, t])], { id: "shift-preset" });
  preset.addEventListener("change", () => {
    if (!preset.value) return;
    const [a, b] = preset.value.split("-");
    start.value = a; end.value = b;
  });
  const add = h("button", { type: "submit", class: "btn btn-secondary", id: "shift-add" }, "Tambahkan shift");
  const addSlot = h("div", { class: "form-error" });
  const addForm = h("form", { id: "shift-form", class: "shift-form" }, addSlot,
    h("div", { class: "form-row" },
      field("Operator", opSel),
      field("Pola", preset),
      field("Mulai (WIB)", start),
      field("Selesai (WIB)", end, { hint: "Jam selesai ≤ jam mulai berarti melewati tengah malam." })),
    h("div", { class: "field" }, h("span", { class: "label", id: "shift-days-label" }, "Hari"), dayBoxes),
    add);

  function days() {
    return Array.from({ length: 7 }, (_, i) => fmt.addDays(monday, i));
  }

  function setDirty(v) {
    dirty = v;
    dirtyNote.hidden = !v;
    save.disabled = !v;
    discard.disabled = !v;
  }

  function drawDayBoxes() {
    replace(dayBoxes, days().map((d, i) => {
      const { weekday, date } = fmt.dayHeading(d);
      const id = `shift-day-${i}`;
      return h("label", { class: "check", for: id },
        h("input", { type: "checkbox", id, value: d, checked: i < 5 }), h("span", {}, `${weekday} ${date}`));
    }));
  }

  function operatorName(id) {
    const o = operators.find((x) => x.operator_id === id);
    return o ? (o.name || id) : id;
  }

  function drawGrid() {
    const ds = days();
    const today = fmt.localDay();
    const { date: a } = fmt.dayHeading(ds[0]);
    const { date: b } = fmt.dayHeading(ds[6]);
    weekLabel.textContent = `${a} – ${b} ${ds[6].slice(0, 4)}`;
    const ids = [...new Set([...operators.map((o) => o.operator_id), ...shifts.map((s) => s.operator_id)])];
    const table = h("table", { class: "table roster-table", id: "roster-table" },
      h("caption", { class: "visually-hidden" }, `Jadwal piket ${weekLabel.textContent}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Operator"),
        ds.map((d) => {
          const { weekday, date } = fmt.dayHeading(d);
          return h("th", { scope: "col", class: d === today ? "is-today" : "" },
            h("span", { class: "dow" }, weekday), h("span", { class: "dom" }, date));
        }))),
      h("tbody", {}, ids.map((op) => h("tr", { dataset: { operator: op } },
        h("th", { scope: "row" }, h("div", {}, operatorName(op)), h("div", { class: "small muted" }, op,
          onDutyNow.includes(op) ? h("span", { class: "badge badge-ok" }, "piket sekarang") : null)),
        ds.map((d) => {
          const mine = shifts.filter((s) => s.operator_id === op && s.day === d).sort((x, y) => x.startMin - y.startMin);
          const { weekday } = fmt.dayHeading(d);
          return h("td", { class: ["roster-cell", d === today ? "is-today" : ""], dataset: { day: d } },
            mine.map((s) => {
              const chip = h("span", { class: ["shift-chip", s.onDuty ? "is-now" : "", s.isNew ? "is-new" : ""] },
                h("span", {}, shiftLabel(s)));
              if (editable) {
                const rm = h("button", { type: "button", class: "chip-remove",
                  "aria-label": `Hapus shift ${operatorName(op)} ${weekday} ${shiftLabel(s)}` }, "×");
                rm.addEventListener("click", () => {
                  shifts = shifts.filter((x) => x !== s);
                  setDirty(true);
                  drawGrid();
                  announce(`Shift ${shiftLabel(s)} dihapus (belum disimpan).`);
                });
                chip.append(rm);
              }
              return chip;
            }),
            editable ? (() => {
              const plus = h("button", { type: "button", class: "cell-add",
                "aria-label": `Tambah shift ${operatorName(op)} ${weekday}` }, "+");
              plus.addEventListener("click", () => {
                opSel.value = op;
                for (const cb of dayBoxes.querySelectorAll("input")) cb.checked = cb.value === d;
                start.focus();
              });
              return plus;
            })() : null);
        })))));
    replace(grid, h("div", { class: "table-wrap" }, table),
      h("p", { class: "legend small muted" }, h("span", { class: "shift-chip is-now" }, "hijau"), " sedang piket · ",
        h("span", { class: "shift-chip is-new" }, "biru muda"), " belum disimpan"));
  }

  async function loadOperators() {
    try {
      operators = await get("/ops/operators");
    } catch {
      operators = [];
    }
    replace(opSel, operators.map((o) => h("option", { value: o.operator_id }, `${o.name || o.operator_id} (${o.operator_id})`)));
  }

  async function fetchWeek(mon) {
    const data = await get("/ops/roster", { from: mon, to: fmt.addDays(mon, 6) });
    const ds = new Set(Array.from({ length: 7 }, (_, i) => fmt.addDays(mon, i)));
    return { shifts: (data.shifts || []).map(fromApi).filter((s) => ds.has(s.day)), onDuty: data.on_duty || [] };
  }

  async function loadWeek() {
    clear(status);
    replace(grid, loading("Memuat jadwal…"));
    try {
      const data = await fetchWeek(monday);
      if (!ctx.isCurrent()) return;
      shifts = data.shifts;
      onDutyNow = data.onDuty;
      setDirty(false);
      drawGrid();
      drawDayBoxes();
    } catch (err) {
      replace(grid, errorBox(err, { retry: loadWeek }));
    }
  }

  function confirmLeaveWeek() {
    return !dirty || window.confirm("Perubahan jadwal minggu ini belum disimpan. Buang perubahan?");
  }

  prev.addEventListener("click", () => { if (confirmLeaveWeek()) { monday = fmt.addDays(monday, -7); loadWeek(); } });
  next.addEventListener("click", () => { if (confirmLeaveWeek()) { monday = fmt.addDays(monday, 7); loadWeek(); } });
  thisWeek.addEventListener("click", () => { if (confirmLeaveWeek()) { monday = fmt.mondayOf(fmt.localDay()); loadWeek(); } });
  discard.addEventListener("click", loadWeek);

  addForm.addEventListener("submit", (e) => {
    e.preventDefault();
    clear(addSlot);
    const chosen = [...dayBoxes.querySelectorAll("input:checked")].map((cb) => cb.value);
    if (!opSel.value || !chosen.length || !start.value || !end.value) {
      replace(addSlot, alertBox("error", "Pilih operator, minimal satu hari, jam mulai dan jam selesai.", "Gagal: isian belum lengkap"));
      return;
    }
    const a = minutesOf(start.value);
    let b = minutesOf(end.value);
    if (b <= a) b += 1440;
    const added = [];
    for (const d of chosen) {
      const clash = shifts.find((s) => s.operator_id === opSel.value && s.day === d && s.startMin < b && a < s.endMin);
      if (clash) {
        replace(addSlot, alertBox("error", `Shift bertabrakan dengan ${shiftLabel(clash)} pada ${fmt.dayHeading(d).weekday} `
          + `${fmt.dayHeading(d).date}.`, "Gagal: jadwal bentrok"));
        return;
      }
      added.push({ operator_id: opSel.value, day: d, startMin: a, endMin: b, isNew: true });
    }
    shifts.push(...added);
    setDirty(true);
    drawGrid();
    announce(`${added.length} shift ditambahkan untuk ${operatorName(opSel.value)} (belum disimpan).`);
  });

  copy.addEventListener("click", async () => {
    clear(status);
    try {
      const prevWeek = await busy(copy, () => fetchWeek(fmt.addDays(monday, -7)), "Menyalin…");
      shifts = prevWeek.shifts.map((s) => ({ ...s, day: fmt.addDays(s.day, 7), onDuty: false, isNew: true }));
      setDirty(true);
      drawGrid();
      announce(`${shifts.length} shift disalin dari minggu lalu (belum disimpan).`);
    } catch (err) {
      showFormError(status, null, err);
    }
  });

  save.addEventListener("click", async () => {
    clear(status);
    try {
      const body = { shifts: shifts.map(toApi), days: days() };
      await busy(save, () => put("/ops/roster", body), "Menyimpan…");
      toast("Jadwal piket tersimpan.");
      announce("Jadwal piket tersimpan.");
      await loadWeek();
      replace(status, h("div", { class: "alert alert-success", role: "status", id: "roster-saved" },
        h("p", {}, `Jadwal ${weekLabel.textContent} tersimpan.`)));
    } catch (err) {
      showFormError(status, null, err);
    }
  });

  const beforeUnload = (e) => { if (dirty) { e.preventDefault(); e.returnValue = ""; } };
  window.addEventListener("beforeunload", beforeUnload);
  ctx.onLeave(() => window.removeEventListener("beforeunload", beforeUnload));

  view.append(status, card("Jadwal per operator", grid));
  if (editable) {
    view.append(card("Ubah jadwal", addForm,
      h("div", { class: "btn-row save-row" }, save, discard, copy, dirtyNote)));
  }
  await loadOperators();
  await loadWeek();
}
