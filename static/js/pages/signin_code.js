// Sign in, second step: the authenticator code for the challenge session, or a recovery
// code sent with the password (which this page still holds) instead. A wrong code can be
// retried; an expired or spent session goes back to the password.
import { request } from "../api.js";
import * as session from "../session.js";
import { clearErrors, formatWait, showErrors, showFormError, showProblem, value, whileBusy } from "../forms.js";
import { afterSignIn } from "../navigation.js";

const passwordForm = document.getElementById("signin-form");
const form = document.getElementById("code-form");
const notice = document.getElementById("notice");
const totpField = document.getElementById("totp-field");
const recoveryField = document.getElementById("recovery-field");
const switchButton = document.getElementById("switch-factor");
const intro = document.getElementById("code-intro");
let pending = null; // {name, password, session}
let useRecovery = false;

form.addEventListener("submit", onSubmit);
switchButton.addEventListener("click", () => setMode(!useRecovery));

/** The password was right and two-step sign-in is on: ask for the code. */
export function askForCode(challenge) {
  pending = challenge;
  passwordForm.hidden = true;
  form.hidden = false;
  notice.textContent = "";
  clearErrors(form);
  form.reset();
  setMode(false);
}

function setMode(recovery) {
  useRecovery = recovery;
  totpField.hidden = recovery;
  recoveryField.hidden = !recovery;
  switchButton.textContent = recovery ? "Use the authenticator app instead" : "Use a recovery code instead";
  intro.textContent = recovery
    ? "Enter one of your recovery codes. Each code works once."
    : "Enter the 6-digit code from your authenticator app.";
  clearErrors(form);
  form.elements.namedItem(recovery ? "recovery_code" : "code").focus();
}

function backToPassword(message) {
  pending = null;
  form.hidden = true;
  passwordForm.hidden = false;
  passwordForm.elements.namedItem("password").value = "";
  notice.textContent = message;
  passwordForm.elements.namedItem("password").focus();
}

async function onSubmit(event) {
  event.preventDefault();
  if (!pending) return;
  const field = useRecovery ? "recovery_code" : "code";
  const typed = value(form, field);
  if (!useRecovery && !/^[0-9]{6}$/.test(typed)) {
    showErrors(form, [{ field, message: "Enter the 6-digit code from your authenticator app." }]);
    return;
  }
  if (useRecovery && !typed) {
    showErrors(form, [{ field, message: "Enter a recovery code." }]);
    return;
  }
  clearErrors(form);
  await whileBusy(form, async () => {
    try {
      const tokens = useRecovery
        ? await request("/auth/login", {
            method: "POST",
            body: { username: pending.name, password: pending.password, recovery_code: typed },
          })
        : await request("/auth/login/mfa", { method: "POST", body: { session: pending.session, code: typed } });
      if (!tokens.access_token) throw new Error("The sign-in did not finish. Try again.");
      session.save(tokens);
      window.location.assign(afterSignIn());
    } catch (error) {
      if (error.code === "invalid_code") {
        const message = useRecovery
          ? "That recovery code is not right, or it was used already."
          : "That code is not right. Check the app and try again.";
        showErrors(form, [{ field, message }]);
        form.elements.namedItem(field).select();
      } else if (error.code === "invalid_session" || error.code === "invalid_credentials") {
        backToPassword("Your sign-in expired. Enter your password again.");
      } else if (error.status === 429) {
        const wait = error.retryAfter != null ? ` Wait ${formatWait(error.retryAfter)}, then try again.` : "";
        showFormError(form, `Too many attempts.${wait}`);
      } else {
        showProblem(form, error);
      }
    }
  });
}
