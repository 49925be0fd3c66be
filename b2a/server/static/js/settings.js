// Settings: while "Always open" is ticked the weekday hours do not apply, so they are greyed
// out (a disabled fieldset is not submitted; without this script they are sent and ignored).
const alwaysOpen = document.getElementById("f-always_open");
const days = document.querySelector("fieldset.hours");

function follow() {
  days.disabled = alwaysOpen.checked;
}

if (alwaysOpen && days) {
  alwaysOpen.addEventListener("change", follow);
  follow();
}
