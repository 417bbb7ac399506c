// The conference form: filter the list of chairs as one types (accents and case do not matter).
// Only a convenience: every chair stays in the page and the server checks what is posted.

const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").replace(/[đĐ]/g, "d").toLowerCase().trim();

for (const input of document.querySelectorAll("input[data-filter-list]")) {
  const list = document.getElementById(input.dataset.filterList);
  if (!list) continue;
  input.closest("[hidden]")?.removeAttribute("hidden");
  const items = [...list.querySelectorAll("li")].map((li) => [li, fold(li.textContent)]);
  input.addEventListener("input", () => {
    const wanted = fold(input.value);
    for (const [li, text] of items) {
      // a chair already chosen stays visible, so a filter never hides a choice that will be posted
      li.hidden = Boolean(wanted) && !text.includes(wanted) && !li.querySelector("input:checked");
    }
  });
}
