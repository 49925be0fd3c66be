// The inbox workspace (templates/inbox/) and the sandbox: stay current without a reload, and
// work like a chat app. Every part also works without this file (forms, links, :target).
//
// - Live: on each `b2a:live` event (live.js owns the one EventSource) the list, the open
//   thread and its details are fetched again. The thread is merged, not redrawn: new messages
//   are appended, changed ones (ticks, edits) replaced in place, so the scroll position, the
//   older pages loaded and the composer (outside the thread) with what is typed stay as they
//   are. Other live parts ([data-live-url], the sandbox's chat) are swapped whole by htmx.
// - Scrolling: older messages (and further conversations) come in when their row at the top
//   (bottom) of the pane scrolls into view (htmx `intersect once`); the thread keeps its place.
// - Composer: Enter sends, Shift+Enter is a new line; Reply and Private note are tabs; a reply
//   or note is sent with fetch and the thread refreshed, without leaving the page.
// - Keys: j/k next/previous conversation, r reply, e resolve, / search, ? the list of keys;
//   never while typing in a field.
const DEBOUNCE_MS = 150;
const NEAR_END_PX = 80;
const OWN_PARTS = new Set(["inbox-list", "inbox-thread", "inbox-details"]);
let pending = null;
let anchor = null;

const byId = (id) => document.getElementById(id);

function atEnd(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_END_PX;
}

function scrollToEnd(selector = "#messages, .phone-chat") {
  for (const list of document.querySelectorAll(selector)) list.scrollTop = list.scrollHeight;
}

// A fragment of the page, or null when the server cannot be reached (a restart, a dropped
// connection): the stream's next open fetches everything again.
async function fetched(url) {
  let response;
  try {
    response = await fetch(url, { headers: { "HX-Request": "true" } });
  } catch {
    return null;
  }
  if (!response.ok) return null;
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

// A day's separator appears once: the lower one goes when a page above repeats the day.
function oneSeparatorPerDay(list) {
  const seen = new Set();
  for (const day of list.querySelectorAll("li.day")) {
    if (seen.has(day.id)) day.remove();
    else seen.add(day.id);
  }
}

function announce(count) {
  const region = byId("thread-live");
  if (region && count) region.textContent = count === 1 ? "1 new message" : `${count} new messages`;
}

function mergeMessages(list, incoming) {
  let previous = null;
  let added = 0;
  for (const item of [...incoming.children]) {
    if (!item.id || item.id === "thread-empty") continue;
    const shown = byId(item.id);
    if (shown) {
      if (shown.outerHTML !== item.outerHTML) shown.replaceWith(item);
      previous = byId(item.id);
      continue;
    }
    if (previous) previous.after(item);
    else list.append(item);
    previous = item;
    if (!item.classList.contains("day")) added += 1;
  }
  if (list.querySelector(".msg, .note, .msg-system")) byId("thread-empty")?.remove();
  oneSeparatorPerDay(list);
  return added;
}

async function refreshThread(toEnd = false) {
  const thread = byId("inbox-thread");
  if (!thread) return;
  const doc = await fetched(thread.dataset.liveUrl);
  const fresh = doc?.getElementById("inbox-thread");
  if (!fresh || fresh.dataset.conversation !== thread.dataset.conversation) return;
  const list = byId("messages");
  const stick = toEnd || atEnd(list);
  const head = fresh.querySelector(".thread-head");
  thread.querySelector(".thread-head").replaceWith(head);
  announce(mergeMessages(list, fresh.querySelector("#messages")));
  if (stick) list.scrollTop = list.scrollHeight;
  await followTheWindow(head.dataset.window);
}

// The 24-hour window opened or closed under the agent: the composer changes (text or templates
// only), unless something is typed in it.
async function followTheWindow(window) {
  const composer = byId("composer");
  const text = byId("f-text");
  if (!composer || composer.dataset.window === window || (text && text.value)) return;
  const doc = await fetched(`/app/inbox/${composer.dataset.conversation}/composer`);
  const fresh = doc?.getElementById("composer");
  if (!fresh) return;
  composer.replaceWith(fresh);
  setUpComposer();
}

// The details panel is fetched again unless the user is working in it: a field has the focus,
// or one was changed since it was drawn (a label chosen, not yet added) and would be lost.
function workingIn(details) {
  return details.contains(document.activeElement) || details.dataset.changed === "yes";
}

async function refreshDetails() {
  const details = byId("inbox-details");
  if (!details || workingIn(details)) return;
  const doc = await fetched(details.dataset.liveUrl);
  const fresh = doc?.getElementById("inbox-details");
  // The children change, the element stays: on a phone it may be the page's :target.
  if (fresh && !workingIn(details)) details.replaceChildren(...fresh.childNodes);
}

async function refreshList() {
  const list = byId("inbox-list");
  if (!list) return;
  const doc = await fetched(list.dataset.liveUrl);
  const fresh = doc?.getElementById("inbox-list");
  if (!fresh) return;
  if (!list.dataset.more) {
    list.replaceWith(fresh);
    window.htmx.process(fresh);
    return;
  }
  // Later pages were loaded below: the first page's rows move to the top, the rest stay.
  const rows = list.querySelector(".conversations");
  for (const row of [...fresh.querySelectorAll(".conv")].reverse()) {
    byId(row.id)?.remove();
    rows.prepend(row);
  }
}

function refresh() {
  pending = null;
  refreshList();
  refreshThread();
  refreshDetails();
  for (const part of document.querySelectorAll("[data-live-url]")) {
    if (!part.id || OWN_PARTS.has(part.id)) continue;
    window.htmx.ajax("GET", part.dataset.liveUrl, { target: "#" + part.id, swap: "outerHTML" });
  }
}

function changed() {
  if (pending === null) pending = setTimeout(refresh, DEBOUNCE_MS);
}

// Composer: tabs, Enter to send, the file chosen, sending without a reload.
function showTab(mode) {
  for (const [name, tab, panel] of [
    ["reply", byId("tab-reply"), byId("reply-panel")],
    ["note", byId("tab-note"), byId("note-panel")],
  ]) {
    if (!tab || !panel) continue;
    tab.setAttribute("aria-selected", String(name === mode));
    tab.tabIndex = name === mode ? 0 : -1;
    panel.hidden = name !== mode;
  }
}

function setUpComposer() {
  const tabs = document.querySelector(".composer-tabs");
  if (!tabs) return;
  tabs.hidden = false;
  showTab("reply");
}

async function send(form) {
  const button = form.querySelector('button[type="submit"]');
  const error = form.querySelector(".error");
  button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "HX-Request": "true" },
    });
    if (response.ok) {
      form.reset();
      byId("file-name").textContent = "";
      error.hidden = true;
      await refreshThread(true);
      refreshList();
      refreshDetails();
      return;
    }
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const said = doc.getElementById("inbox-error")?.textContent;
    error.textContent =
      said || (response.status === 413 ? "Files are limited to 16 MB." : `Not sent (${response.status}).`);
    error.hidden = false;
  } catch {
    error.textContent = "Not sent: the server could not be reached. Check the connection and send again.";
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("#reply-form, #note-form")) return;
  event.preventDefault();
  send(form);
});

document.addEventListener("keydown", (event) => {
  const box = event.target.closest?.("#f-text, #f-note");
  if (!box || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  box.form.requestSubmit();
});

document.addEventListener("input", (event) => {
  const details = event.target.closest("#inbox-details");
  if (details) details.dataset.changed = "yes";
});

document.addEventListener("change", (event) => {
  if (event.target.id === "f-file") {
    const file = event.target.files[0];
    byId("file-name").textContent = file ? `📄 ${file.name} (${Math.ceil(file.size / 1024)} KB)` : "";
    return;
  }
  const pick = event.target.closest("select[data-canned]");
  const box = byId("f-text");
  if (!pick || !box || !pick.value) return;
  box.value = box.value && !box.value.startsWith("/") ? `${box.value} ${pick.value}` : pick.value;
  pick.value = "";
  box.focus();
});

document.addEventListener("click", (event) => {
  const tab = event.target.closest(".composer-tabs [role=tab]");
  if (tab) {
    showTab(tab.id === "tab-note" ? "note" : "reply");
    (tab.id === "tab-note" ? byId("f-note") : byId("f-text"))?.focus();
  }
  if (event.target.closest("#shortcuts-open")) toggleShortcuts();
});

// Keys.
function typing(target) {
  return target.isContentEditable || Boolean(target.closest?.("input, textarea, select"));
}

function openSibling(step) {
  const links = [...document.querySelectorAll("#inbox-list .conv > a")];
  const current = links.findIndex((link) => link.getAttribute("aria-current") === "true");
  const next = current === -1 ? links[0] : links[current + step];
  if (next) window.location.assign(next.href);
}

function focusReply() {
  showTab("reply");
  const box = byId("f-text") || document.querySelector(".template-form input:not([type=hidden])");
  box?.focus();
}

function resolve() {
  const form = byId("resolve-form");
  if (form && form.elements.status.value === "RESOLVED") form.requestSubmit();
}

function toggleShortcuts() {
  const dialog = byId("shortcuts");
  if (!dialog) return;
  if (dialog.open) dialog.close();
  else dialog.showModal();
}

const KEYS = {
  j: () => openSibling(1),
  k: () => openSibling(-1),
  r: focusReply,
  e: resolve,
  "/": () => byId("f-q")?.focus(),
  "?": toggleShortcuts,
};

document.addEventListener("keydown", (event) => {
  if (!document.querySelector(".inbox") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.defaultPrevented || typing(event.target)) return;
  if (byId("shortcuts")?.open && event.key !== "?") return;
  const action = KEYS[event.key];
  if (!action) return;
  event.preventDefault();
  action();
});

// Older messages above keep the thread where the agent was reading; a further page of the list
// marks it, so a live refresh moves rows instead of dropping the pages below.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const asker = event.detail.elt;
  if (asker.matches?.("#messages > .older")) {
    const first = byId("messages").querySelector(".msg, .note, .msg-system");
    anchor = first ? { item: first, top: first.getBoundingClientRect().top } : null;
  }
  if (asker.matches?.("#inbox-list .more")) byId("inbox-list").dataset.more = "1";
});

document.body.addEventListener("htmx:afterSwap", () => {
  const list = byId("messages");
  if (anchor === null || !list) return;
  oneSeparatorPerDay(list);
  list.scrollTop += anchor.item.getBoundingClientRect().top - anchor.top;
  anchor = null;
});

// The sandbox's chat, swapped whole, shows its newest message.
document.body.addEventListener("htmx:afterSettle", () => scrollToEnd(".phone-chat"));
document.addEventListener("b2a:live", changed);
// The stream may open after the page was drawn, and reopens by itself after a drop (a restart,
// a proxy): fetch again each time.
document.addEventListener("b2a:live-open", changed);
const shortcutsButton = byId("shortcuts-open");
if (shortcutsButton) shortcutsButton.hidden = false;
setUpComposer();
scrollToEnd();
