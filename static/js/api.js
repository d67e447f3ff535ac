// Talking to the Bandstand API: fetch, problem+json parsing, and token refresh.
import { API_BASE_URL } from "../config.js";
import * as session from "./session.js";
import { signInUrl } from "./navigation.js";

const BASE = String(API_BASE_URL).replace(/\/+$/, "");
const REFRESH_MARGIN_MS = 60_000;

/** An API refusal, carrying the RFC 9457 problem document. */
export class ApiError extends Error {
  constructor(status, problem = {}, retryAfter = null) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof problem.code === "string" ? problem.code : "";
    this.detail = typeof problem.detail === "string" ? problem.detail : "";
    this.title = typeof problem.title === "string" ? problem.title : "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    // Seconds to wait, from the Retry-After header (exposed through CORS) when present.
    this.retryAfter = retryAfter;
  }
}

const NETWORK_PROBLEM = {
  code: "network_error",
  detail: "Could not reach the server. Check your connection and try again.",
};

/**
 * Call the API and return the parsed JSON body (null when there is none).
 * With auth: true it sends the access token; on a 401 it refreshes the tokens once and
 * retries once. If the session cannot be renewed it is cleared and the page goes to
 * sign-in (unless onExpired is "throw").
 */
export async function request(path, { method = "GET", body, auth = false, onExpired = "redirect" } = {}) {
  let response = await send(path, method, body, auth, onExpired);
  if (response.status === 401 && auth) {
    if (await refresh()) {
      response = await send(path, method, body, auth, onExpired);
    }
    if (response.status === 401) {
      session.clear();
      if (onExpired === "redirect") return leaving("expired");
    }
  }
  const data = await parseBody(response);
  if (!response.ok) {
    throw new ApiError(response.status, isObject(data) ? data : {}, retryAfterSeconds(response));
  }
  return data;
}

async function send(path, method, body, auth, onExpired) {
  const headers = { Accept: "application/json, application/problem+json" };
  const init = { method, headers, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (auth) {
    const current = session.load();
    if (!current) {
      if (onExpired === "redirect") return leaving();
      throw new ApiError(401, { code: "not_signed_in", detail: "Please sign in." });
    }
    headers.Authorization = `Bearer ${current.access_token}`;
  }
  try {
    return await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, NETWORK_PROBLEM);
  }
}

async function parseBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value); // Retry-After may also be an HTTP date
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

// One refresh at a time: parallel requests that all got 401 share the same attempt.
let refreshing = null;

/** Renew the access token with the refresh token. Resolves true on success. */
export function refresh() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  const current = session.load();
  if (!current?.refresh_token) return false;
  let response;
  try {
    response = await fetch(`${BASE}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return false;
  }
  if (!response.ok) return false;
  const data = await parseBody(response);
  if (!isObject(data) || typeof data.access_token !== "string") return false;
  session.update(data);
  scheduleRefresh();
  return true;
}

let refreshTimer = null;

/** Refresh the tokens shortly before they expire, so an open page keeps working. */
export function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const current = session.load();
  if (!current) return;
  const delay = Math.max(0, current.expires_at - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(async () => {
    if (!(await refresh()) && session.isSignedIn()) {
      session.clear();
      goToSignIn("expired");
    }
  }, delay);
}

export function stopRefresh() {
  clearTimeout(refreshTimer);
}

// Navigating away: a promise that never settles, so the page shows no error meanwhile.
function leaving(notice) {
  goToSignIn(notice);
  return new Promise(() => {});
}

function goToSignIn(notice) {
  window.location.assign(signInUrl({ notice, next: currentPage() }));
}

function currentPage() {
  return window.location.pathname.split("/").pop() || "";
}
