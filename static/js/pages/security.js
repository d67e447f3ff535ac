// Profile → Security: two-step sign-in (authenticator app + recovery codes), and the
// admin's "turn off two-step sign-in" for a user. The QR code is drawn here (qr.js):
// the secret goes nowhere but to this page.
import { request } from "../api.js";
import { encode, toSvg } from "../qr.js";
import { clearErrors, showErrors, showFormError, showProblem, value, whileBusy } from "../forms.js";

const $ = (id) => document.getElementById(id);
const parts = { off: $("mfa-off"), enrol: $("mfa-enrol"), codes: $("mfa-codes"), on: $("mfa-on") };
const status = $("mfa-status");
const pageError = $("mfa-error");
const verifyForm = $("mfa-verify-form");
const regenerateForm = $("mfa-regenerate-form");
const disableForm = $("mfa-disable-form");
const SIX_DIGITS = /^[0-9]{6}$/;
let shownCodes = [];

/** Start the section with the profile just loaded (GET /users/me). */
export function startSecurity(profile) {
  $("mfa-start").addEventListener("click", onStart);
  verifyForm.addEventListener("submit", onVerify);
  regenerateForm.addEventListener("submit", onRegenerate);
  disableForm.addEventListener("submit", onDisable);
  $("mfa-copy").addEventListener("click", onCopy);
  $("mfa-download").addEventListener("click", onDownload);
  $("mfa-codes-done").addEventListener("click", () => refresh());
  showState(profile.mfa);
  if (Array.isArray(profile.groups) && profile.groups.includes("admin")) startAdmin();
}

function show(name) {
  for (const [key, element] of Object.entries(parts)) element.hidden = key !== name;
}

function showState(mfa) {
  const on = Boolean(mfa && mfa.totp);
  status.textContent = on ? "Two-step sign-in is on." : "Two-step sign-in is off.";
  $("mfa-left").textContent = on ? String(mfa.recovery_codes_left) : "0";
  show(on ? "on" : "off");
}

async function refresh() {
  shownCodes = [];
  $("mfa-code-list").replaceChildren();
  try {
    const profile = await request("/users/me", { auth: true });
    showState(profile.mfa);
  } catch (error) {
    pageError.textContent = error.detail || error.message;
  }
}

async function onStart() {
  pageError.textContent = "";
  const button = $("mfa-start");
  button.disabled = true;
  try {
    const enrolment = await request("/users/me/mfa/totp", { method: "POST", auth: true });
    $("mfa-qr").replaceChildren(toSvg(encode(enrolment.otpauth_uri), { label: "QR code for your authenticator app" }));
    $("mfa-secret").textContent = enrolment.secret.replace(/(.{4})(?=.)/g, "$1 ");
    status.textContent = "Add Bandstand to your authenticator app, then enter the code it shows.";
    show("enrol");
    verifyForm.elements.namedItem("code").focus();
  } catch (error) {
    pageError.textContent = error.detail || error.message;
  } finally {
    button.disabled = false;
  }
}

function codeProblem(form, code) {
  if (SIX_DIGITS.test(code)) return false;
  showErrors(form, [{ field: "code", message: "Enter the 6-digit code from your authenticator app." }]);
  return true;
}

async function onVerify(event) {
  event.preventDefault();
  const code = value(verifyForm, "code");
  if (codeProblem(verifyForm, code)) return;
  clearErrors(verifyForm);
  await whileBusy(verifyForm, async () => {
    try {
      const result = await request("/users/me/mfa/totp/verify", { method: "POST", body: { code }, auth: true });
      verifyForm.reset();
      $("mfa-qr").replaceChildren();
      $("mfa-secret").textContent = "";
      showCodes(result.recovery_codes, "Two-step sign-in is on.");
    } catch (error) {
      codeError(verifyForm, error);
    }
  });
}

function showCodes(codes, message) {
  shownCodes = codes;
  const list = $("mfa-code-list");
  list.replaceChildren(
    ...codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  status.textContent = message;
  $("mfa-codes-notice").textContent = "";
  show("codes");
  $("mfa-copy").focus();
}

function codesText() {
  return `Bandstand recovery codes (each works once)\n\n${shownCodes.join("\n")}\n`;
}

async function onCopy() {
  try {
    await navigator.clipboard.writeText(codesText());
    $("mfa-codes-notice").textContent = "Copied.";
  } catch {
    $("mfa-codes-notice").textContent = "Copying is not allowed here: select the codes and copy them.";
  }
}

function onDownload() {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([codesText()], { type: "text/plain" }));
  link.download = "bandstand-recovery-codes.txt";
  link.click();
  URL.revokeObjectURL(link.href);
  $("mfa-codes-notice").textContent = "Downloaded.";
}

async function onRegenerate(event) {
  event.preventDefault();
  const code = value(regenerateForm, "code");
  if (codeProblem(regenerateForm, code)) return;
  clearErrors(regenerateForm);
  await whileBusy(regenerateForm, async () => {
    try {
      const result = await request("/users/me/mfa/recovery-codes", { method: "POST", body: { code }, auth: true });
      regenerateForm.reset();
      showCodes(result.recovery_codes, "New recovery codes: the old ones no longer work.");
    } catch (error) {
      codeError(regenerateForm, error);
    }
  });
}

async function onDisable(event) {
  event.preventDefault();
  const typed = value(disableForm, "code");
  if (!typed) {
    showErrors(disableForm, [{ field: "code", message: "Enter a code from the app or a recovery code." }]);
    return;
  }
  clearErrors(disableForm);
  // Six digits are an authenticator code; anything else is taken as a recovery code.
  const body = SIX_DIGITS.test(typed) ? { code: typed } : { recovery_code: typed };
  await whileBusy(disableForm, async () => {
    try {
      await request("/users/me/mfa", { method: "DELETE", body, auth: true });
      disableForm.reset();
      await refresh();
    } catch (error) {
      codeError(disableForm, error);
    }
  });
}

function codeError(form, error) {
  if (error.code === "invalid_code") {
    showErrors(form, [{ field: "code", message: "That code is not right. Check the app and try again." }]);
  } else if (error.code === "mfa_off" || error.code === "mfa_already_on" || error.code === "no_pending_authenticator") {
    showFormError(form, error.detail);
    refresh();
  } else {
    showProblem(form, error);
  }
}

// -- admin ----------------------------------------------------------------------------------

function startAdmin() {
  const panel = $("admin-panel");
  const form = $("admin-mfa-form");
  panel.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    $("admin-mfa-notice").textContent = "";
    const username = value(form, "username").toLowerCase();
    if (!username) {
      showErrors(form, [{ field: "username", message: "Enter a username." }]);
      return;
    }
    clearErrors(form);
    await whileBusy(form, async () => {
      try {
        await request(`/users/${encodeURIComponent(username)}/mfa`, { method: "DELETE", auth: true });
        form.reset();
        $("admin-mfa-notice").textContent = `Two-step sign-in is off for ${username}.`;
      } catch (error) {
        if (error.status === 404) showErrors(form, [{ field: "username", message: "No such user." }]);
        else showProblem(form, error);
      }
    });
  });
}
