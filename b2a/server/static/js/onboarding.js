// Onboarding (WhatsApp-Web): count the live code's seconds down, offer a new code when it runs
// out, and announce state changes. htmx replaces #web-live every 2 s with the server's view
// (fresh seconds left, a new QR code, "connected"), so the countdown never drifts far.
const announcer = document.getElementById("web-announce");
let lastState = document.getElementById("web-live")?.dataset.state;

function tick() {
  for (const counter of document.querySelectorAll("[data-countdown]")) {
    const left = Math.max(0, Number(counter.dataset.countdown) - 1);
    counter.dataset.countdown = String(left);
    counter.textContent = String(left);
    if (left === 0) {
      const box = counter.closest("[data-countdown-box]");
      box?.querySelector("[data-expired]")?.removeAttribute("hidden");
      box?.classList.add("is-expired");
    }
  }
}

function followState() {
  const live = document.getElementById("web-live");
  if (!live || live.dataset.state === lastState) return;
  lastState = live.dataset.state;
  const connected = lastState === "CONNECTED";
  for (const part of document.querySelectorAll("[data-unless-connected]")) {
    part.hidden = connected;
  }
  const line = live.querySelector(".state-line");
  if (announcer && line) announcer.textContent = line.textContent.trim();
}

setInterval(tick, 1000);
document.body.addEventListener("htmx:afterSettle", followState);
