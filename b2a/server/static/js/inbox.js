// Inbox and sandbox: stay current without a reload. One EventSource on the tenant's live events
// (/api/v1/events, the session cookie authenticates it); on each change the page fetches its
// live parts again ([data-live-url]: the conversation list, the open thread, the sandbox chat)
// and htmx swaps them in. Also: a saved reply picked from the list goes into the reply box.
const LIVE_EVENTS = [
  "message.created",
  "message.updated",
  "message.status",
  "conversation.updated",
  "note.created",
];
const DEBOUNCE_MS = 150;
let pending = null;

function scrollToEnd() {
  for (const list of document.querySelectorAll(".messages, .phone-chat")) {
    list.scrollTop = list.scrollHeight;
  }
}

function refresh() {
  pending = null;
  for (const part of document.querySelectorAll("[data-live-url]")) {
    if (!part.id) continue;
    window.htmx.ajax("GET", part.dataset.liveUrl, { target: "#" + part.id, swap: "outerHTML" });
  }
}

function changed() {
  if (pending === null) pending = setTimeout(refresh, DEBOUNCE_MS);
}

function listen() {
  if (!document.querySelector("[data-live]") || !window.EventSource) return;
  const source = new EventSource("/api/v1/events");
  for (const kind of LIVE_EVENTS) source.addEventListener(kind, changed);
  // The stream may open after the page was drawn, and reopens by itself after a drop (a
  // restart, a proxy): fetch again each time, since events published meanwhile were missed.
  source.addEventListener("open", () => {
    changed();
    document.body.dataset.live = "on";
  });
}

document.addEventListener("change", (event) => {
  const pick = event.target.closest("select[data-canned]");
  const box = document.getElementById("f-text");
  if (!pick || !box || !pick.value) return;
  box.value = box.value && !box.value.startsWith("/") ? `${box.value} ${pick.value}` : pick.value;
  pick.value = "";
  box.focus();
});

document.body.addEventListener("htmx:afterSettle", scrollToEnd);
scrollToEnd();
listen();
