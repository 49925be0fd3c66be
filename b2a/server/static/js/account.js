// My account: a Copy button for a new API token (shown only where the clipboard works), and the
// browser's permission for desktop notifications, asked once: when the box is ticked.
for (const button of document.querySelectorAll("[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  });
}

const desktop = document.getElementById("f-desktop");
const blocked = document.querySelector("[data-notify-blocked]");

function showBlocked() {
  const refused = !window.Notification || Notification.permission === "denied";
  if (blocked) blocked.hidden = !(desktop.checked && refused);
}

if (desktop) {
  desktop.addEventListener("change", async () => {
    if (desktop.checked && window.Notification && Notification.permission === "default") {
      await Notification.requestPermission();
    }
    showBlocked();
  });
  showBlocked();
}
