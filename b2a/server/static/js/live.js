// The tenant's live events, for every page that shows something live ([data-live]). One
// EventSource on /api/v1/events (the session cookie authenticates it); each event is handed on
// as a DOM event `b2a:live` on document, detail {type, data}, so the inbox, the sandbox and the
// notifications each listen for what they show without opening a stream of their own.
// `b2a:live-open` is dispatched each time the stream (re)opens: a listener fetches what it shows
// again, since what happened while the stream was closed was not received.
const LIVE_EVENTS = [
  "message.created",
  "message.updated",
  "message.status",
  "conversation.updated",
  "note.created",
];

function relay(event) {
  let data = {};
  try {
    data = JSON.parse(event.data);
  } catch {
    data = {};
  }
  document.dispatchEvent(new CustomEvent("b2a:live", { detail: { type: event.type, data } }));
}

function listen() {
  if (!document.querySelector("[data-live]") || !window.EventSource) return;
  const source = new EventSource("/api/v1/events");
  for (const kind of LIVE_EVENTS) source.addEventListener(kind, relay);
  source.addEventListener("open", () => {
    document.body.dataset.live = "on";
    document.dispatchEvent(new CustomEvent("b2a:live-open"));
  });
}

listen();
