// Verify email (with Resend code) → Sign in.
import { request } from "../api.js";
import { clearErrors, formatWait, holdButton, showErrors, showProblem, value, whileBusy } from "../forms.js";
import { pageUrl, param, showNotice } from "../navigation.js";
import * as rules from "../validation.js";

const form = document.getElementById("verify-form");
const notice = document.getElementById("notice");
const username = form.elements.namedItem("username");

username.value = param("username");
showNotice(notice);
(username.value ? form.elements.namedItem("code") : username).focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = value(form, "username").toLowerCase();
  const code = value(form, "code");
  const problems = rules.collect({ username: rules.required(name, "username"), code: rules.code(code) });
  if (problems.length) {
    showErrors(form, problems);
    return;
  }
  clearErrors(form);
  notice.textContent = "";
  await whileBusy(form, async () => {
    try {
      await request("/auth/confirm", { method: "POST", body: { username: name, code } });
      window.location.assign(pageUrl("signin.html", { username: name, notice: "verified" }));
    } catch (error) {
      if (error.status === 429) {
        showErrors(form, [], waitMessage(error));
      } else {
        showProblem(form, error);
      }
    }
  });
});

const resend = document.getElementById("resend");

resend.addEventListener("click", async () => {
  const name = value(form, "username").toLowerCase();
  const problem = rules.required(name, "username");
  if (problem) {
    showErrors(form, [{ field: "username", message: problem }]);
    return;
  }
  clearErrors(form);
  notice.textContent = "";
  let wait = null;
  await whileBusy(form, async () => {
    try {
      await request("/auth/resend-code", { method: "POST", body: { username: name } });
      notice.textContent = "If that account is waiting for verification, we emailed it a new code.";
    } catch (error) {
      if (error.status === 429 && error.retryAfter != null) {
        wait = error.retryAfter;
      } else {
        showProblem(form, error);
      }
    }
  });
  if (wait != null) {
    // After whileBusy has restored the buttons: this one stays off until the wait is over.
    holdButton(resend, wait, (text) => (notice.textContent = text), "You can ask for a new code now.");
  }
});

function waitMessage(error) {
  if (error.retryAfter != null) {
    return `Too many wrong codes. Try again in ${formatWait(error.retryAfter)}.`;
  }
  return error.detail || "Too many wrong codes. Please wait a little and try again.";
}
