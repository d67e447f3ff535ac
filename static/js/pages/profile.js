// Profile: account details, edit full name, two-step sign-in (security.js), delete the account.
import { request } from "../api.js";
import { startSecurity } from "./security.js";
import { leave, requireSession } from "../shell.js";
import { confirmDialog } from "../dialog.js";
import { clearErrors, showErrors, showProblem, value, whileBusy } from "../forms.js";
import * as rules from "../validation.js";

const list = document.getElementById("profile");
const pageError = document.getElementById("page-error");
const nameForm = document.getElementById("name-form");
const nameNotice = document.getElementById("name-notice");
const deleteButton = document.getElementById("delete-account");
const deleteError = document.getElementById("delete-error");

if (requireSession()) start();

async function start() {
  nameForm.addEventListener("submit", onSaveName);
  deleteButton.addEventListener("click", onDelete);
  try {
    const profile = await request("/users/me", { auth: true });
    show(profile);
    nameForm.elements.namedItem("full_name").value = profile.full_name || "";
    startSecurity(profile);
  } catch (error) {
    pageError.textContent = error.detail || error.message;
  }
}

function show(profile) {
  const text = {
    username: profile.username,
    email: profile.email,
    full_name: profile.full_name || "Not set",
    status: profile.status,
    groups: Array.isArray(profile.groups) && profile.groups.length ? profile.groups.join(", ") : "None",
  };
  for (const [field, content] of Object.entries(text)) {
    list.querySelector(`[data-field="${field}"]`).textContent = content ?? "";
  }
  const created = list.querySelector('[data-field="created_at"]');
  created.replaceChildren(timeElement(profile.created_at));
  list.removeAttribute("aria-busy");
}

function timeElement(iso) {
  const time = document.createElement("time");
  time.dateTime = iso || "";
  const date = new Date(iso);
  time.textContent = Number.isNaN(date.getTime())
    ? String(iso ?? "")
    : new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" }).format(date);
  return time;
}

async function onSaveName(event) {
  event.preventDefault();
  nameNotice.textContent = "";
  const fullName = value(nameForm, "full_name");
  const problem = rules.fullName(fullName);
  if (problem) {
    showErrors(nameForm, [{ field: "full_name", message: problem }]);
    return;
  }
  clearErrors(nameForm);
  await whileBusy(nameForm, async () => {
    try {
      const profile = await request("/users/me", { method: "PATCH", body: { full_name: fullName }, auth: true });
      show(profile);
      nameNotice.textContent = "Saved.";
    } catch (error) {
      showProblem(nameForm, error);
    }
  });
}

async function onDelete() {
  deleteError.textContent = "";
  if (!(await confirmDialog(document.getElementById("delete-account-dialog")))) return;
  deleteButton.disabled = true;
  try {
    await request("/users/me", { method: "DELETE", auth: true });
    leave("account-deleted");
  } catch (error) {
    deleteButton.disabled = false;
    deleteError.textContent = error.detail || error.message;
    deleteButton.focus();
  }
}
