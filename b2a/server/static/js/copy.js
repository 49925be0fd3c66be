// Copy buttons beside one-time links (and tokens). The field is readonly and selectable, so
// copying works without JS; with JS the button copies in one click, also in rows htmx swaps in.
function revealCopyButtons(root) {
  for (const button of root.querySelectorAll("[data-copy]")) button.hidden = false;
}

async function copyFrom(source) {
  const text = "value" in source ? source.value : source.textContent.trim();
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-http appliances have no clipboard API: select the text and use the older command.
  const range = document.createRange();
  if ("select" in source) source.select();
  else { range.selectNodeContents(source); getSelection().removeAllRanges(); getSelection().addRange(range); }
  document.execCommand("copy");
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  await copyFrom(source);
  button.textContent = "Copied";
});

document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-copy-source]")) event.target.select();
});

revealCopyButtons(document);
document.addEventListener("htmx:load", (event) => revealCopyButtons(event.detail.elt));
