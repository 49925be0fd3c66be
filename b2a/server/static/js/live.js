// The tenant's live events, on every page of a member's panel (base.html loads this file and puts
// data-live-since, data-notify-sound and data-notify-desktop on <body>).
//
// One EventSource on /api/v1/events (the session cookie authenticates it), started after the id
// the page was drawn with (?since=), so nothing between the page's drawing and the stream's
// opening is lost; on a reconnect the browser sends the last id it received (Last-Event-ID) and
// the server replays what came after it. Each event is handed on as a DOM event `b2a:live` on
// document, detail {type, data}, so the inbox, the sandbox and the notifications each listen for
// what they show without opening a stream of their own. A `reset` event (the id was older than
// what the server keeps) is handed on too: a listener fetches everything it shows again.
// `b2a:live-open` is dispatched each time the stream (re)opens.
//
// Here too: the tab title starts with the number of unread conversations, and a new customer
// message or a hand-over to the team plays a short tone and shows a desktop notification when
// the user switched them on (My account), unless this tab is showing that conversation.
const LIVE_EVENTS = [
  "message.created",
  "message.updated",
  "message.status",
  "conversation.updated",
  "note.created",
  "order.updated",
  "reset",
];
const COUNTED = new Set(["message.created", "conversation.updated", "reset"]);
const COUNT_DELAY_MS = 300;
const TITLE = document.title.replace(/^\(\d+\) /, "");
let counting = null;
let audio = null;

// A JSON answer from our API, or null when the server cannot be reached (the stream reconnects
// and asks again).
async function fetchJson(url) {
  try {
    const answer = await fetch(url, { credentials: "same-origin" });
    return answer.ok ? await answer.json() : null;
  } catch {
    return null;
  }
}

async function showUnread() {
  counting = null;
  const unread = await fetchJson("/api/v1/conversations/unread");
  if (unread === null) return;
  document.title = unread.conversations > 0 ? `(${unread.conversations}) ${TITLE}` : TITLE;
}

function countSoon() {
  if (counting === null) counting = setTimeout(showUnread, COUNT_DELAY_MS);
}

// Browsers let a page make sound only after the user touched it: the audio context is made on
// the first click or key press, and a tone before that stays silent.
function unlockAudio() {
  if (audio === null && window.AudioContext) audio = new AudioContext();
}

function beep() {
  if (audio === null || audio.state !== "running") return;
  const tone = audio.createOscillator();
  const volume = audio.createGain();
  tone.frequency.value = 880;
  volume.gain.setValueAtTime(0.15, audio.currentTime);
  volume.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
  tone.connect(volume).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.35);
}

function showing(conversationId) {
  if (document.hidden) return false;
  return document.querySelector(`[data-conversation="${CSS.escape(conversationId)}"]`) !== null;
}

// The words of the message an event names, read from the conversation's latest page: the
// conversation's own preview may already be the assistant's answer to it.
async function messageText(conversationId, messageId) {
  if (!messageId) return "";
  const page = await fetchJson(`/api/v1/conversations/${conversationId}/messages?limit=20`);
  const message = page?.items?.find((item) => item.id === messageId);
  return message ? message.text || `(${message.kind.toLowerCase()})` : "";
}

async function popUp(conversationId, title, fallback, messageId) {
  if (!window.Notification || Notification.permission !== "granted") return;
  let body = fallback;
  const conversation = await fetchJson(`/api/v1/conversations/${conversationId}`);
  if (conversation !== null) {
    title = `${title}: ${conversation.customer.name || conversation.customer.phone}`;
    body = fallback || (await messageText(conversationId, messageId)) || conversation.last_message_preview;
  }
  const note = new Notification(title, { body, tag: conversationId });
  note.addEventListener("click", () => {
    window.focus();
    window.location.assign(`/app/inbox/${conversationId}`);
  });
}

// What deserves a sound and a notification: a customer's message, and a conversation the
// assistant handed to the team (owner HUMAN with a reason; an agent's take-over has none).
function alertOf(type, data) {
  if (type === "message.created" && data.direction === "INBOUND") {
    return { title: "New message", body: "" };
  }
  if (type === "conversation.updated" && data.owner === "HUMAN" && data.reason) {
    return { title: "Needs your team", body: data.reason };
  }
  return null;
}

function notify(type, data) {
  const alert = alertOf(type, data);
  if (alert === null || !data.conversation_id || showing(data.conversation_id)) return;
  if (document.body.dataset.notifySound === "on") beep();
  if (document.body.dataset.notifyDesktop === "on") {
    popUp(data.conversation_id, alert.title, alert.body, data.message_id);
  }
}

function relay(event) {
  let data = {};
  try {
    data = JSON.parse(event.data);
  } catch {
    data = {};
  }
  document.dispatchEvent(new CustomEvent("b2a:live", { detail: { type: event.type, data } }));
  if (COUNTED.has(event.type)) countSoon();
  notify(event.type, data);
}

function listen() {
  if (!window.EventSource) return;
  const since = document.body.dataset.liveSince;
  const url = since ? `/api/v1/events?since=${encodeURIComponent(since)}` : "/api/v1/events";
  const source = new EventSource(url);
  for (const kind of LIVE_EVENTS) source.addEventListener(kind, relay);
  source.addEventListener("open", () => {
    document.body.dataset.live = "on";
    document.dispatchEvent(new CustomEvent("b2a:live-open"));
    countSoon();
  });
  source.addEventListener("error", () => {
    document.body.dataset.live = "off";
  });
}

document.addEventListener("pointerdown", unlockAudio, { once: true });
document.addEventListener("keydown", unlockAudio, { once: true });
listen();
