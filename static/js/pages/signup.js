// Create account → Verify email.
import { request } from "../api.js";
import { clearErrors, rawValue, showErrors, showProblem, value, whileBusy } from "../forms.js";
import { pageUrl } from "../navigation.js";
import * as rules from "../validation.js";

const form = document.getElementById("signup-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = value(form, "username").toLowerCase();
  const email = value(form, "email");
  const password = rawValue(form, "password");
  const fullName = value(form, "full_name");

  const problems = rules.collect({
    username: rules.username(username),
    email: rules.email(email),
    password: rules.password(password, { username, email }),
    full_name: rules.fullName(fullName),
  });
  if (problems.length) {
    showErrors(form, problems);
    return;
  }
  clearErrors(form);

  const body = { username, email, password };
  if (fullName) body.full_name = fullName;
  await whileBusy(form, async () => {
    try {
      const user = await request("/auth/register", { method: "POST", body });
      window.location.assign(pageUrl("verify.html", { username: user?.username || username, notice: "registered" }));
    } catch (error) {
      showProblem(form, error);
    }
  });
});
