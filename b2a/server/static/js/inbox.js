// Inbox and sandbox: stay current without a reload. On each live event (`b2a:live`, from
// live.js) the page fetches its live parts again ([data-live-url]: the conversation list, the
// open thread, the sandbox chat) and htmx swaps them in. Also: a saved reply picked from the
// list goes into the reply box.
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

document.addEventListener("change", (event) => {
  const pick = event.target.closest("select[data-canned]");
  const box = document.getElementById("f-text");
  if (!pick || !box || !pick.value) return;
  box.value = box.value && !box.value.startsWith("/") ? `${box.value} ${pick.value}` : pick.value;
  pick.value = "";
  box.focus();
});

document.body.addEventListener("htmx:afterSettle", scrollToEnd);
document.addEventListener("b2a:live", changed);
// The stream may open after the page was drawn, and reopens by itself after a drop (a restart,
// a proxy): fetch again each time.
document.addEventListener("b2a:live-open", changed);
scrollToEnd();
