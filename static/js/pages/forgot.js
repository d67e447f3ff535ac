// Forgot password: ask for a reset code → Reset password.
import { request } from "../api.js";
import { clearErrors, holdButton, showErrors, showProblem, value, whileBusy } from "../forms.js";
import { pageUrl } from "../navigation.js";
import * as rules from "../validation.js";

const form = document.getElementById("forgot-form");
form.elements.namedItem("username").focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = value(form, "username").toLowerCase();
  const problem = rules.required(name, "username");
  if (problem) {
    showErrors(form, [{ field: "username", message: problem }]);
    return;
  }
  clearErrors(form);
  let wait = null;
  await whileBusy(form, async () => {
    try {
      await request("/auth/forgot-password", { method: "POST", body: { username: name } });
      window.location.assign(pageUrl("reset.html", { username: name, notice: "code-sent" }));
    } catch (error) {
      if (error.status === 429 && error.retryAfter != null) {
        wait = error.retryAfter;
      } else {
        showProblem(form, error);
      }
    }
  });
  if (wait != null) {
    const submit = form.querySelector("button[type=submit]");
    const say = (text) => showErrors(form, [], text);
    holdButton(submit, wait, say, "You can ask for a reset code again now.");
  }
});
