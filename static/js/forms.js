// Showing errors on forms: beside the field they concern (linked with aria-describedby
// and aria-invalid), or at the top of the form when they concern no single field.

// Problem codes that concern one field even when the API sends no errors[] for them.
const CODE_FIELDS = {
  username_taken: "username",
  invalid_code: "code",
  expired_code: "code",
  rank_taken: "rank",
  duplicate_album: "title",
};

/** The input named `name` in the form (the API field name is the input's name). */
export function fieldInput(form, name) {
  const element = form.elements.namedItem(name);
  return element instanceof HTMLInputElement ? element : null;
}

function errorElement(input) {
  return document.getElementById(`${input.id}-error`);
}

function setFieldError(input, message) {
  const target = errorElement(input);
  if (!target) return false;
  target.textContent = message;
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const others = ids.filter((id) => id !== target.id);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [...others, target.id].join(" "));
  } else {
    input.removeAttribute("aria-invalid");
    if (others.length) input.setAttribute("aria-describedby", others.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  return true;
}

function formErrorElement(form) {
  return form.querySelector(".form-error");
}

/** Remove every error shown on the form. */
export function clearErrors(form) {
  for (const input of form.querySelectorAll("input")) setFieldError(input, "");
  const general = formErrorElement(form);
  if (general) general.textContent = "";
}

/** Show a message at the top of the form. */
export function showFormError(form, message) {
  const general = formErrorElement(form);
  if (general) general.textContent = message;
}

/**
 * Show field errors ({field, message} list) and an optional general message.
 * Focuses the first invalid field so keyboard and screen-reader users land on it.
 */
export function showErrors(form, fieldErrors, general = "") {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  const shown = new Set();
  for (const { field, message } of fieldErrors) {
    const input = fieldInput(form, field);
    if (input && !shown.has(field)) {
      setFieldError(input, message);
      shown.add(field);
      first ??= input;
    } else if (!input) {
      unplaced.push(message);
    }
  }
  const text = [general, ...unplaced].filter(Boolean).join(" ");
  if (text) showFormError(form, text);
  if (first) first.focus();
}

/** Show an ApiError (or any error) on the form, each part where it belongs. */
export function showProblem(form, error) {
  const fieldErrors = [];
  for (const item of error.errors || []) {
    const field = normaliseField(item?.field);
    const text = typeof item?.message === "string" ? item.message.trim() : "";
    if (text) fieldErrors.push({ field, message: fieldMessage(form, field, text) });
  }
  const codeField = CODE_FIELDS[error.code];
  let general = error.detail || error.message || "Something went wrong. Please try again.";
  if (codeField && fieldInput(form, codeField)) {
    // A conflict or a bad code: its detail is a full sentence, best shown at the field.
    const onField = fieldErrors.filter((e) => e.field !== codeField);
    showErrors(form, [{ field: codeField, message: general }, ...onField]);
    return;
  }
  if (fieldErrors.some((e) => fieldInput(form, e.field))) {
    general = fieldErrors.every((e) => fieldInput(form, e.field)) ? "" : general;
  }
  showErrors(form, fieldErrors, general);
}

// The API names fields like "password"; tolerate "body.password" or "/password" too.
function normaliseField(field) {
  if (typeof field !== "string") return "";
  const parts = field.split(/[./]/).filter(Boolean);
  return parts.length ? parts[parts.length - 1] : "";
}

// The API words field messages as predicates ("is too common"): lead with the label.
function fieldMessage(form, field, text) {
  const label = fieldInput(form, field)?.labels?.[0]?.textContent?.trim();
  return sentence(label && /^[a-z]/.test(text) ? `${label} ${text}` : text);
}

function sentence(text) {
  const trimmed = text.trim();
  if (!trimmed) return "";
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Disable the form's buttons while a request runs, so nothing is sent twice. */
export async function whileBusy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  const wasDisabled = buttons.map((button) => button.disabled);
  form.setAttribute("aria-busy", "true");
  buttons.forEach((button) => {
    button.disabled = true;
  });
  try {
    return await work();
  } finally {
    form.removeAttribute("aria-busy");
    buttons.forEach((button, i) => {
      button.disabled = wasDisabled[i];
    });
  }
}

/** Trimmed text value of the named input. */
export function value(form, name) {
  return (fieldInput(form, name)?.value ?? "").trim();
}

/** Raw (untrimmed) value, for passwords: spaces in them count. */
export function rawValue(form, name) {
  return fieldInput(form, name)?.value ?? "";
}

/** "N seconds" / "M minutes N seconds", for Retry-After waits. */
export function formatWait(seconds) {
  const total = Math.max(1, Math.ceil(seconds));
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  const part = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (!minutes) return part(rest, "second");
  return rest ? `${part(minutes, "minute")} ${part(rest, "second")}` : part(minutes, "minute");
}

/**
 * Keep `button` disabled for `seconds` (a Retry-After wait), telling the time left
 * through `say(text)` once a second; when the wait is over, enable it and say `done`.
 */
export function holdButton(button, seconds, say, done) {
  let left = Math.max(1, Math.ceil(seconds));
  button.disabled = true;
  say(`You can ask again in ${formatWait(left)}.`);
  const timer = window.setInterval(() => {
    left -= 1;
    if (left > 0) {
      say(`You can ask again in ${formatWait(left)}.`);
      return;
    }
    window.clearInterval(timer);
    button.disabled = false;
    say(done);
  }, 1000);
}
