// The signed-in staff member's notifications (GET /me/notifications), newest first; mark as read.
import { h, replace, clear } from "../dom.js";
import { get, post } from "../api.js";
import * as fmt from "../fmt.js";
import { pageHeader, errorBox, loading, busy, emptyState, card } from "../ui.js";

/** An in-app route for a notification's link (only links into this page are followed). */
function inAppHref(url) {
  if (!url) return null;
  try {
    const u = new URL(url, window.location.href);
    if (u.origin === window.location.origin && u.hash.startsWith("#/")) return u.hash;
  } catch { /* not a URL */ }
  return null;
}

/** The gist of an email-style body: its first paragraphs without salutation, links and signature. */
function excerpt(body) {
  const paras = String(body || "").split(/\n\s*\n/).map((p) => p.replace(/\s+/g, " ").trim())
    .filter((p) => p && !/^(Yth\.|Salam|Hormat kami)/i.test(p) && !/https?:\/\//.test(p));
  const text = paras.slice(0, 2).join(" ");
  return text.length > 240 ? text.slice(0, 239) + "…" : text;
}

export async function render(view, _params, ctx) {
  view.append(pageHeader("Notifikasi", "Pemberitahuan untuk Anda: penugasan baru, pesan pemohon, pengingat tenggat, "
    + "sebutan di forum, dan jawaban eskalasi."));
  const list = h("div", { id: "notifications" }, loading());
  const more = h("div", { class: "btn-row" });
  view.append(card("Pemberitahuan terbaru", list, more));
  let cursor = null;

  function item(n) {
    const href = inAppHref(n.url) || (n.request_id ? `#/permintaan/${encodeURIComponent(n.request_id)}` : null);
    const li = h("li", { class: ["notif", n.read ? "" : "is-unread"] },
      h("div", { class: "notif-main" },
        h("div", { class: "notif-subject" }, href ? h("a", { href }, n.subject) : n.subject),
        h("p", { class: "small notif-body" }, excerpt(n.body)),
        h("div", { class: "small muted" }, fmt.dateTime(n.created_at), n.request_id ? ` · ${n.request_id}` : "")));
    if (!n.read) {
      const b = h("button", { type: "button", class: "btn btn-ghost btn-small" }, "Tandai dibaca");
      b.addEventListener("click", async () => {
        try {
          await busy(b, () => post(`/me/notifications/${encodeURIComponent(n.notif_id)}/read`));
          li.classList.remove("is-unread");
          b.remove();
          ctx.refreshUnread();
        } catch (err) {
          li.append(errorBox(err));
        }
      });
      li.append(b);
    }
    return li;
  }

  async function load(reset) {
    try {
      const page = await get("/me/notifications", { page_size: 30, cursor: reset ? undefined : cursor });
      if (!ctx.isCurrent()) return;
      cursor = page.next_cursor;
      const items = (page.items || []).map(item);
      if (reset) replace(list, items.length ? h("ul", { class: "notif-list" }, items) : emptyState("Belum ada notifikasi."));
      else list.querySelector("ul")?.append(...items);
      clear(more);
      if (cursor) {
        const b = h("button", { type: "button", class: "btn btn-secondary" }, "Muat lebih banyak");
        b.addEventListener("click", () => busy(b, () => load(false)));
        more.append(b);
      }
    } catch (err) {
      replace(list, errorBox(err, { retry: () => load(true) }));
    }
  }
  await load(true);
}
