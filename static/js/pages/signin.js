// Sign in → albums (or the signed-in page that sent us here).
import { request } from "../api.js";
import * as session from "../session.js";
import { clearErrors, formatWait, rawValue, showErrors, showProblem, value, whileBusy } from "../forms.js";
import { askForCode } from "./signin_code.js";
import { afterSignIn, pageUrl, param, showNotice } from "../navigation.js";
import * as rules from "../validation.js";

const form = document.getElementById("signin-form");
const notice = document.getElementById("notice");
const username = form.elements.namedItem("username");

username.value = param("username");
showNotice(notice);
(username.value ? form.elements.namedItem("password") : username).focus();

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = value(form, "username");
  const password = rawValue(form, "password");
  const problems = rules.collect({
    username: rules.required(name, "username or email"),
    password: password ? "" : "Enter your password.",
  });
  if (problems.length) {
    showErrors(form, problems);
    return;
  }
  clearErrors(form);
  notice.textContent = "";
  await whileBusy(form, async () => {
    try {
      const answer = await request("/auth/login", { method: "POST", body: { username: name, password } });
      if (answer.challenge === "totp") {
        askForCode({ name, password, session: answer.session });
        return;
      }
      session.save(answer);
      window.location.assign(afterSignIn());
    } catch (error) {
      if (error.code === "user_not_confirmed") {
        const verifyAs = name.includes("@") ? "" : name.toLowerCase();
        window.location.assign(pageUrl("verify.html", { username: verifyAs, notice: "unconfirmed" }));
      } else if (error.status === 429) {
        showErrors(form, [], waitMessage(error));
      } else {
        showProblem(form, error);
      }
    }
  });
});

function waitMessage(error) {
  if (error.retryAfter != null) {
    return `Too many failed sign-in attempts. Wait ${formatWait(error.retryAfter)}, then try again.`;
  }
  return error.detail || "Too many failed sign-in attempts. Please wait a little, then try again.";
}
