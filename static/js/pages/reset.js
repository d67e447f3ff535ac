// Reset password with the emailed code → Sign in.
import { request } from "../api.js";
import { clearErrors, rawValue, showErrors, showProblem, value, whileBusy } from "../forms.js";
import { pageUrl, param, showNotice } from "../navigation.js";
import * as rules from "../validation.js";

const form = document.getElementById("reset-form");
const username = form.elements.namedItem("username");

username.value = param("username");
showNotice(document.getElementById("notice"));
(username.value ? form.elements.namedItem("code") : username).focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = value(form, "username").toLowerCase();
  const code = value(form, "code");
  const newPassword = rawValue(form, "new_password");
  const problems = rules.collect({
    username: rules.required(name, "username"),
    code: rules.code(code),
    // The email is unknown here; the API checks its local part.
    new_password: rules.password(newPassword, { username: name }),
  });
  if (problems.length) {
    showErrors(form, problems);
    return;
  }
  clearErrors(form);
  await whileBusy(form, async () => {
    try {
      await request("/auth/reset-password", {
        method: "POST",
        body: { username: name, code, new_password: newPassword },
      });
      window.location.assign(pageUrl("signin.html", { username: name, notice: "password-reset" }));
    } catch (error) {
      showProblem(form, error);
    }
  });
});
