// Client-side checks mirroring the API's field rules (see docs/api.md), so people get
// feedback before a round trip. The API stays the judge: it also checks the
// common-password list, which the browser cannot.

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,31}$/;
// The server's address rule (EMAIL_RE in chalicelib/core/rules.py, 3 to 254 characters
// after stripping), so the form never passes an address the API refuses or the reverse;
// tests/unit/test_web_validation.py runs both on the same addresses. The "u" flag counts
// code points, as Python does. SPACE is Python's whitespace (str.isspace, its \s and
// strip()): JS's \s and trim() add U+FEFF and lack U+001C-U+001F and U+0085.
const SPACE = String.raw`\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const EMAIL = new RegExp(
  String.raw`^[^@${SPACE}"(),:;<>\[\]\\]{1,64}@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`,
  "u",
);
const OUTER_SPACE = new RegExp(String.raw`^[${SPACE}]+|[${SPACE}]+$`, "gu");
// One-line fields refuse control characters (Cc) and line/paragraph separators before any
// trimming, as the server does (NOT_ONE_LINE in chalicelib/core/rules.py).
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

// Passwords count Unicode characters, not UTF-16 units, as the server does.
const length = (text) => [...text.normalize("NFC")].length;

export function username(value) {
  const name = value.trim().toLowerCase();
  if (!name) return "Enter a username.";
  if (length(name) < 3 || length(name) > 32) return "Use 3 to 32 characters.";
  if (!USERNAME.test(name)) {
    return "Use only a-z, 0-9, dot, underscore and hyphen, starting with a letter or digit.";
  }
  return "";
}

export function email(value) {
  if (NOT_ONE_LINE.test(value)) return "Use one line of text, without control characters.";
  const address = value.replace(OUTER_SPACE, "");
  if (!address) return "Enter an email address.";
  const size = [...address].length;
  if (size < 3 || size > 254 || !EMAIL.test(address)) return "Enter a valid email address.";
  return "";
}

export function password(value, { username: name = "", email: address = "" } = {}) {
  if (!value) return "Enter a password.";
  if (length(value) < 15) return "Use at least 15 characters.";
  if (length(value) > 128) return "Use at most 128 characters.";
  const lower = value.toLowerCase();
  const user = name.trim().toLowerCase();
  if (user && lower.includes(user)) return "The password must not contain your username.";
  const local = address.trim().toLowerCase().split("@")[0];
  if (address.includes("@") && local && lower.includes(local)) {
    return "The password must not contain the first part of your email address.";
  }
  return "";
}

export function fullName(value) {
  if (NOT_ONE_LINE.test(value)) return "Use one line of text, without control characters.";
  return length(value.trim()) > 100 ? "Use at most 100 characters." : "";
}

export function code(value) {
  const text = value.trim();
  if (!text) return "Enter the verification code.";
  if (!/^\d{6}$/.test(text)) return "The code is 6 digits.";
  return "";
}

export function required(value, label) {
  return value.trim() ? "" : `Enter your ${label}.`;
}

/** Album fields; returns a {field, message} list. */
export function album(values) {
  const errors = [];
  const nextYear = new Date().getFullYear() + 1;
  const rank = values.rank.trim();
  if (!/^\d+$/.test(rank) || Number(rank) < 1 || Number(rank) > 100000) {
    errors.push({ field: "rank", message: "Enter a whole number from 1 to 100000." });
  }
  for (const [field, label, max] of [["title", "title", 200], ["artist", "artist", 200]]) {
    const text = values[field].trim();
    if (!text) errors.push({ field, message: `Enter the ${label}.` });
    else if (length(text) > max) errors.push({ field, message: `Use at most ${max} characters.` });
  }
  const year = values.year.trim();
  if (!/^\d{4}$/.test(year) || Number(year) < 1900 || Number(year) > nextYear) {
    errors.push({ field: "year", message: `Enter a year from 1900 to ${nextYear}.` });
  }
  const genre = values.genre.trim();
  if (!genre) errors.push({ field: "genre", message: "Enter the genre." });
  else if (length(genre) > 50) errors.push({ field: "genre", message: "Use at most 50 characters." });
  return errors;
}

/** Collect non-empty messages into a {field, message} list. */
export function collect(checks) {
  return Object.entries(checks)
    .filter(([, message]) => message)
    .map(([field, message]) => ({ field, message }));
}
