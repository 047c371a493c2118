// OIDC authorization-code flow with PKCE (S256) against the configured SSO issuer.
// Tokens live only in sessionStorage (per tab, gone when the tab closes); they never appear in URLs or logs.

const SESSION_KEY = "silastik.admin.session";
const PENDING_KEY = "silastik.admin.pending";
const LOGGED_OUT_KEY = "silastik.admin.loggedOut";
const STAFF_ROLES = ["operator", "supervisor", "producer", "admin"];
const EXPIRY_MARGIN_MS = 30 * 1000;

let config = null;
let endpoints = null;
let session = null;
let refreshing = null;
let onExpired = () => {};

export class AuthError extends Error {
  constructor(message, code = "auth_error") {
    super(message);
    this.code = code;
  }
}

function b64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(n = 32) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function s256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return b64url(new Uint8Array(digest));
}

/** The (unverified) claims of a JWT; the API verifies signatures, the page only reads names and roles. */
export function claimsOf(jwt) {
  try {
    const part = String(jwt).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0"))
      .join(""));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function redirectUri() {
  return `${window.location.origin}/`;
}

async function discover() {
  if (endpoints) return endpoints;
  const issuer = config.ssoIssuer.replace(/\/+$/, "");
  endpoints = { authorize: `${issuer}/authorize`, token: `${issuer}/token` };
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { cache: "no-store" });
    if (res.ok) {
      const doc = await res.json();
      if (doc.authorization_endpoint) endpoints.authorize = doc.authorization_endpoint;
      if (doc.token_endpoint) endpoints.token = doc.token_endpoint;
    }
  } catch {
    /* the defaults above follow the issuer's documented layout */
  }
  return endpoints;
}

function save(tokens) {
  const claims = claimsOf(tokens.access_token);
  const expiresAt = claims.exp ? claims.exp * 1000
    : Date.now() + (Number(tokens.expires_in) || 300) * 1000;
  session = {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token || (session && session.refreshToken) || null,
    expiresAt,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function load() {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    session = raw ? JSON.parse(raw) : null;
  } catch {
    session = null;
  }
  return session;
}

function clearSession() {
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
}

async function tokenRequest(form) {
  const { token } = await discover();
  const res = await fetch(token, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
    cache: "no-store",
  });
  let data = {};
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok || !data.access_token) {
    throw new AuthError(`Layanan SSO menolak permintaan token (${data.error || `HTTP ${res.status}`}). Silakan masuk kembali.`,
      data.error || "token_error");
  }
  return data;
}

/** Start (or restart) the login: remember where the user was, then go to the SSO login page. */
export async function login(returnTo = window.location.hash || "#/") {
  const { authorize } = await discover();
  const verifier = randomString(48);
  const state = randomString(24);
  const nonce = randomString(24);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, nonce, returnTo, at: Date.now() }));
  sessionStorage.removeItem(LOGGED_OUT_KEY);
  const params = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: "openid profile email roles",
    state,
    nonce,
    code_challenge: await s256(verifier),
    code_challenge_method: "S256",
  });
  window.location.assign(`${authorize}?${params.toString()}`);
  return new Promise(() => {}); // the page is navigating away
}

/** Finish a login redirect (?code=&state= or ?error=). Removes the query from the address bar first. */
async function handleCallback() {
  const query = new URLSearchParams(window.location.search);
  if (!query.has("code") && !query.has("error")) return null;
  let pending = null;
  try { pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null"); } catch { pending = null; }
  sessionStorage.removeItem(PENDING_KEY);
  const returnTo = (pending && pending.returnTo) || "#/";
  window.history.replaceState(null, "", `${window.location.pathname}${returnTo.startsWith("#") ? returnTo : "#/"}`);
  if (query.has("error")) {
    throw new AuthError(`SSO menolak permintaan masuk: ${query.get("error_description") || query.get("error")}`,
      query.get("error"));
  }
  if (!pending || !pending.state || pending.state !== query.get("state")) {
    throw new AuthError("Respons masuk tidak cocok dengan permintaan (state). Silakan masuk kembali.", "bad_state");
  }
  const tokens = await tokenRequest({
    grant_type: "authorization_code",
    code: query.get("code"),
    redirect_uri: redirectUri(),
    client_id: config.clientId,
    code_verifier: pending.verifier,
  });
  if (tokens.id_token) {
    const idc = claimsOf(tokens.id_token);
    if (idc.nonce && idc.nonce !== pending.nonce) {
      throw new AuthError("Token identitas tidak cocok (nonce). Silakan masuk kembali.", "bad_nonce");
    }
  }
  save(tokens);
  return session;
}

async function refresh() {
  if (!session || !session.refreshToken) throw new AuthError("Sesi telah berakhir. Silakan masuk kembali.", "no_refresh");
  if (!refreshing) {
    refreshing = tokenRequest({ grant_type: "refresh_token", refresh_token: session.refreshToken,
      client_id: config.clientId })
      .then((tokens) => { save(tokens); return session; })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

/**
 * Initialise: handle a login redirect, else restore the tab's session.
 * Returns {session} when logged in, {loggedOut: true} after an explicit logout, or {} when a login is needed.
 */
export async function init(cfg, { expired } = {}) {
  config = cfg;
  if (expired) onExpired = expired;
  const fromCallback = await handleCallback();
  if (fromCallback) return { session: fromCallback };
  if (load()) {
    if (session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
      try { await refresh(); } catch { clearSession(); return {}; }
    }
    return { session };
  }
  if (sessionStorage.getItem(LOGGED_OUT_KEY)) return { loggedOut: true };
  return {};
}

/** A valid access token: refreshed when about to expire; when that fails, the user logs in again. */
export async function accessToken() {
  if (!session) load();
  if (!session) return expire();
  if (session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
    try { await refresh(); } catch { return expire(); }
  }
  return session.accessToken;
}

/** Called by the API client after a 401: try one refresh, else log in again. */
export async function renewAfter401() {
  try {
    await refresh();
    return session.accessToken;
  } catch {
    return expire();
  }
}

function expire() {
  clearSession();
  onExpired();
  return login(window.location.hash || "#/");
}

export function logout() {
  clearSession();
  sessionStorage.removeItem(PENDING_KEY);
  sessionStorage.setItem(LOGGED_OUT_KEY, "1");
}

export function user() {
  if (!session) load();
  if (!session) return null;
  const c = claimsOf(session.accessToken);
  const roles = Array.isArray(c.roles) ? c.roles.map(String) : [];
  return {
    sub: String(c.sub || ""),
    name: String(c.name || c.preferred_username || c.sub || ""),
    email: c.email ? String(c.email) : "",
    roles,
    expiresAt: session.expiresAt,
  };
}

export function isStaff(u) {
  return Boolean(u) && u.roles.some((r) => STAFF_ROLES.includes(r));
}

export function hasRole(u, ...roles) {
  return Boolean(u) && u.roles.some((r) => roles.includes(r));
}
