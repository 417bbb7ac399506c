// Picking points from the unit tree (a conference's points; operator accounts for many points): say how much is
// ticked next to the form's button. The boxes of the tree, of the search results and of opened branches all belong
// to the form marked data-tick-count.
function update() {
  const form = document.querySelector("form[data-tick-count]");
  if (!form) return;
  const out = form.querySelector(".picked");
  if (!out) return;
  const ticked = (name) => document.querySelectorAll(
    `input[name="${name}"]:checked:not(:disabled)`).length;
  const units = ticked("unit_ids");
  const points = ticked("site_ids");
  out.textContent = units + points === 0
    ? form.dataset.pickedNone
    : form.dataset.pickedSome.replace("{units}", units).replace("{points}", points);
}

document.addEventListener("change", (event) => {
  if (event.target.matches?.('input[name="unit_ids"], input[name="site_ids"]')) update();
});
document.addEventListener("htmx:afterSettle", update);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
else update();
