// Token storage. sessionStorage (never localStorage): tokens die with the tab and are
// not shared with other tabs, which limits what a stolen or forgotten session exposes.

const KEY = "bandstand.session";

/** @returns {{access_token: string, id_token: string, refresh_token: string, expires_at: number} | null} */
export function load() {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const data = JSON.parse(raw);
    return data && typeof data.access_token === "string" ? data : null;
  } catch {
    return null;
  }
}

function store(data) {
  sessionStorage.setItem(KEY, JSON.stringify(data));
}

/** Save the answer of POST /auth/login. */
export function save(tokens) {
  store({
    access_token: tokens.access_token,
    id_token: tokens.id_token,
    refresh_token: tokens.refresh_token,
    expires_at: expiresAt(tokens.expires_in),
  });
}

/** Merge the answer of POST /auth/refresh (which carries no new refresh token). */
export function update(tokens) {
  const current = load();
  if (!current) return;
  store({
    ...current,
    access_token: tokens.access_token,
    id_token: tokens.id_token ?? current.id_token,
    refresh_token: tokens.refresh_token ?? current.refresh_token,
    expires_at: expiresAt(tokens.expires_in),
  });
}

export function clear() {
  sessionStorage.removeItem(KEY);
}

export function isSignedIn() {
  return load() !== null;
}

function expiresAt(expiresIn) {
  const seconds = Number(expiresIn) > 0 ? Number(expiresIn) : 3600;
  return Date.now() + seconds * 1000;
}
