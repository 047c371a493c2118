// Helpers shared by the request forms: submit with draft keeping and the API's error states.
import { h } from "../dom.js";
import { post } from "../api.js";
import { busy, showFormError, toast } from "../ui.js";
import { keepDraft } from "../store.js";

/** Wire a form: drafts in sessionStorage, POST /requests, then to the new request's page. */
export function requestForm(form, draftKey, build, { onDone } = {}) {
  const slot = h("div", { class: "form-error", id: `${form.id}-error` });
  form.prepend(slot);
  const draft = keepDraft(form, draftKey);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const submit = form.querySelector("[type=submit]");
    let body;
    try {
      body = build(new FormData(form));
    } catch (err) {
      showFormError(slot, form, err);
      return;
    }
    await busy(submit, async () => {
      try {
        const req = await post("/requests", body);
        draft.clear();
        if (onDone) onDone(req);
        toast(`Permintaan ${req.request_id} terkirim.`);
        window.location.hash = `#/permintaan/${encodeURIComponent(req.request_id)}`;
      } catch (err) {
        showFormError(slot, form, err);
      }
    }, "Mengirim…");
  });
  return { slot, draft };
}

export function text(form, name) {
  const v = form.get(name);
  return typeof v === "string" ? v.trim() : "";
}

export function draftNotice(restored) {
  return restored ? h("p", { class: "hint", role: "status" }, "Isian terakhir Anda dipulihkan dari draf.") : null;
}
