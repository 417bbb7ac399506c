// Invite page: a "select all" box for the delegates a search found (shown only when scripts run).
for (const box of document.querySelectorAll("input[data-select-all]")) {
  const label = box.closest("label");
  if (label) label.hidden = false;
  const targets = () => [...document.querySelectorAll(box.dataset.selectAll)].filter((t) => !t.disabled);
  box.addEventListener("change", () => {
    for (const t of targets()) t.checked = box.checked;
  });
  document.addEventListener("change", (event) => {
    if (event.target === box || !targets().includes(event.target)) return;
    const all = targets();
    box.checked = all.length > 0 && all.every((t) => t.checked);
    box.indeterminate = !box.checked && all.some((t) => t.checked);
  });
}
