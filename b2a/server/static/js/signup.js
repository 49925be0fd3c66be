// Sign-up: the time zone starts as the browser's, and the currency follows the time zone's
// country until the visitor picks one. Without this script the form still works: the time zone
// stays UTC unless chosen, and an unchosen currency is worked out from the zone by the server.
const zone = document.getElementById("f-time_zone");
const currency = document.getElementById("f-currency");
const byZone = currency ? JSON.parse(currency.dataset.byZone || "{}") : {};
let currencyChosen = currency ? currency.value !== "" : true;

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return "";
  }
}

function followZone() {
  if (!currencyChosen && byZone[zone.value]) {
    currency.value = byZone[zone.value];
  }
}

if (zone && currency) {
  const found = browserZone();
  const known = Array.from(zone.options).some((option) => option.value === found);
  if (!zone.dataset.chosen && known) {
    zone.value = found;
  }
  followZone();
  zone.addEventListener("change", followZone);
  currency.addEventListener("change", () => {
    currencyChosen = currency.value !== "";
  });
}
