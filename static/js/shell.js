// Shared by the signed-in pages: send signed-out visitors to sign-in, keep the tokens
// fresh, and wire the Sign out button.
import * as session from "./session.js";
import { request, scheduleRefresh, stopRefresh } from "./api.js";
import { signInUrl } from "./navigation.js";

/** Returns false (and leaves the page) when nobody is signed in. */
export function requireSession() {
  if (!session.isSignedIn()) {
    const page = window.location.pathname.split("/").pop();
    window.location.replace(signInUrl({ next: page }));
    return false;
  }
  scheduleRefresh();
  document.getElementById("sign-out")?.addEventListener("click", signOut);
  return true;
}

/** Revoke the session on the server (best effort), forget it here, go to sign-in. */
export async function signOut(event) {
  event?.currentTarget?.setAttribute("disabled", "");
  stopRefresh();
  try {
    await request("/auth/logout", { method: "POST", auth: true, onExpired: "throw" });
  } catch {
    // Signing out must always work locally, even if the server cannot be reached.
  }
  leave("signed-out");
}

/** Forget the tokens and go to the sign-in page with a notice. */
export function leave(notice) {
  stopRefresh();
  session.clear();
  window.location.assign(signInUrl({ notice }));
}
