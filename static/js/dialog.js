// Confirmation dialogs built on <dialog> + <form method="dialog">: the browser handles
// the modal focus trap and Escape; the chosen button's value becomes returnValue.

/**
 * Open a confirmation dialog and resolve true when its "confirm" button is chosen.
 * The first button gets focus (put the safe choice first); Escape resolves false.
 */
export function confirmDialog(dialog) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        const confirmed = dialog.returnValue === "confirm";
        if (!confirmed && opener instanceof HTMLElement && opener.isConnected) opener.focus();
        resolve(confirmed);
      },
      { once: true },
    );
    dialog.showModal();
    dialog.querySelector("button")?.focus();
  });
}
