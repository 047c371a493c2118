// The cart (localStorage: it outlives a login redirect and a closed tab) and form drafts (sessionStorage: no
// input is lost on an error, an expired session or a login round trip; cleared after a successful submit).

const CART_KEY = "silastik.portal.cart";
const DRAFT_PREFIX = "silastik.portal.draft.";
const MAX_CART = 50;

function read(storage, key, fallback) {
  try {
    const raw = storage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

export function cart() {
  const items = read(localStorage, CART_KEY, []);
  return Array.isArray(items) ? items.filter((i) => i && typeof i.id === "string") : [];
}

function saveCart(items) {
  localStorage.setItem(CART_KEY, JSON.stringify(items.slice(0, MAX_CART)));
  document.dispatchEvent(new CustomEvent("cart-changed"));
}

export function inCart(id) {
  return cart().some((i) => i.id === id);
}

/** Add a catalog item (id, title, type, access, price_idr); returns false when the cart is full. */
export function addToCart(item) {
  const items = cart();
  if (items.some((i) => i.id === item.id)) return true;
  if (items.length >= MAX_CART) return false;
  items.push({ id: item.id, title: item.title, type: item.type, access: item.access || "",
    price_idr: Number(item.price_idr || 0) });
  saveCart(items);
  return true;
}

export function removeFromCart(id) {
  saveCart(cart().filter((i) => i.id !== id));
}

export function clearCart() {
  saveCart([]);
}

/** Keep a form's values in sessionStorage as the user types; restore them when the form is shown again. */
export function keepDraft(form, key) {
  const storageKey = DRAFT_PREFIX + key;
  const saved = read(sessionStorage, storageKey, null);
  if (saved && typeof saved === "object") {
    for (const el of form.elements) {
      if (!el.name || !(el.name in saved)) continue;
      if (el.type === "checkbox") el.checked = Boolean(saved[el.name]);
      else if (el.type === "radio") el.checked = saved[el.name] === el.value;
      else if (el.type !== "file" && el.type !== "password") el.value = saved[el.name];
    }
  }
  const save = () => {
    const out = {};
    for (const el of form.elements) {
      if (!el.name || el.type === "file" || el.type === "password" || el.type === "hidden") continue;
      if (el.type === "checkbox") out[el.name] = el.checked;
      else if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
      else out[el.name] = el.value;
    }
    sessionStorage.setItem(storageKey, JSON.stringify(out));
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  return { clear: () => sessionStorage.removeItem(storageKey), restored: Boolean(saved) };
}
