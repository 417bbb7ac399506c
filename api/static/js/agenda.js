// The agenda editor: reorder the items by drag and drop. The new order is posted as JSON to the page's
// /agenda/order handler (the same service as POST /api/conferences/{id}/agenda/reorder); the list comes back
// with its new planned times. The Up/Down buttons do the same without a mouse (and without this script).
const list = document.getElementById("agenda-list");
const status = document.getElementById("agenda-status");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

function say(text) {
  if (status && text) status.textContent = text;
}

function order() {
  return [...list.querySelectorAll("li.agenda-item[data-id]")].map((li) => Number(li.dataset.id));
}

async function save(ids, before) {
  list.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(list.dataset.orderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf || "", Accept: "text/html" },
      body: JSON.stringify({ item_ids: ids }),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    list.innerHTML = await response.text();
    window.htmx?.process(list);
    say(list.dataset.savedText);
  } catch (error) {
    list.innerHTML = before; // put the items back where the server still has them
    window.htmx?.process(list);
    say(list.dataset.failedText);
  } finally {
    list.removeAttribute("aria-busy");
  }
}

if (list) {
  let dragging = null;
  let before = "";
  let start = [];

  list.addEventListener("dragstart", (event) => {
    const li = event.target.closest?.("li.agenda-item[draggable='true']");
    if (!li) return;
    dragging = li;
    before = list.innerHTML;
    start = order();
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.id);
  });

  list.addEventListener("dragover", (event) => {
    if (!dragging) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const over = event.target.closest?.("li.agenda-item");
    if (!over || over === dragging) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragging, after ? over.nextSibling : over);
  });

  list.addEventListener("drop", (event) => {
    if (dragging) event.preventDefault();
  });

  list.addEventListener("dragend", () => {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    dragging = null;
    const now = order();
    if (now.join(",") !== start.join(",")) save(now, before);
  });
}
