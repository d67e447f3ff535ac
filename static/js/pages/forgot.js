// Forgot password: ask for a reset code → Reset password.
import { request } from "../api.js";
import { clearErrors, showErrors, showProblem, value, whileBusy } from "../forms.js";
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
  await whileBusy(form, async () => {
    try {
      await request("/auth/forgot-password", { method: "POST", body: { username: name } });
      window.location.assign(pageUrl("reset.html", { username: name, notice: "code-sent" }));
    } catch (error) {
      showProblem(form, error);
    }
  });
});
