// Page addresses and one-shot notices passed between pages in the query string.
// Notices are keys into a fixed table, so nothing from the URL is ever shown as-is.

export const SIGNED_IN_PAGES = ["albums.html", "profile.html"];

const NOTICES = {
  registered: "Account created. We emailed you a 6-digit verification code.",
  unconfirmed: "Your email address is not verified yet. Enter the code we emailed you, or resend it.",
  verified: "Email verified. You can sign in now.",
  "code-sent": "If that account exists, we emailed it a reset code.",
  "password-reset": "Password changed. Sign in with your new password.",
  "signed-out": "You are signed out.",
  expired: "Your session has ended. Please sign in again.",
  "account-deleted": "Your account has been deleted.",
};

/** Address of the sign-in page, with an optional notice and page to return to. */
export function signInUrl({ notice, next, username } = {}) {
  return pageUrl("signin.html", { notice, next: SIGNED_IN_PAGES.includes(next) ? next : undefined, username });
}

export function pageUrl(page, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value) query.set(key, value);
  }
  const text = query.toString();
  return text ? `${page}?${text}` : page;
}

/** Read a query parameter of the current page. */
export function param(name) {
  return new URLSearchParams(window.location.search).get(name) || "";
}

/** Show the notice named in ?notice= in the given element and drop it from the URL. */
export function showNotice(element) {
  const key = param("notice");
  if (key && Object.hasOwn(NOTICES, key)) {
    element.textContent = NOTICES[key];
  }
  if (key) {
    const url = new URL(window.location.href);
    url.searchParams.delete("notice");
    window.history.replaceState(null, "", url);
  }
}

/** Where to go after signing in: ?next= when it names a signed-in page. */
export function afterSignIn() {
  const next = param("next");
  return SIGNED_IN_PAGES.includes(next) ? next : "albums.html";
}
