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

// Point pickers (templates/conferences/invitations_picker.html): a combobox whose suggestions htmx loads into a
// list box; ↓/↑ move through them, Enter (or a click) picks one: its id goes in the hidden field and the point shows
// as a chip with a remove button. In a filter (data-submit) picking submits the form.
const chipOf = (picker, name, code) => {
  const chip = document.createElement("span");
  chip.className = "chip";
  const text = document.createElement("span");
  text.textContent = name;
  const small = document.createElement("small");
  small.textContent = code;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "chip-remove";
  remove.setAttribute("aria-label", `${picker.dataset.removeText}: ${name}`);
  const x = document.createElement("span");
  x.setAttribute("aria-hidden", "true");
  x.textContent = "×";
  remove.append(x);
  chip.append(text, " ", small, " ", remove);
  return chip;
};

for (const picker of document.querySelectorAll("[data-point-picker]")) {
  const input = picker.querySelector("[role=combobox]");
  const list = picker.querySelector("[role=listbox]");
  const hidden = picker.querySelector("input[data-point-value]");
  const chips = picker.querySelector("[data-point-chip]");
  let active = -1;
  const options = () => [...list.querySelectorAll("[role=option]")];
  const open = (yes) => {
    list.hidden = !yes;
    input.setAttribute("aria-expanded", yes ? "true" : "false");
    if (!yes) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
    }
  };
  const highlight = (index) => {
    const all = options();
    active = index;
    all.forEach((o, i) => o.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const choose = (option) => {
    hidden.value = option.dataset.id;
    chips.replaceChildren(chipOf(picker, option.dataset.name, option.dataset.code));
    input.value = "";
    open(false);
    if ("submit" in picker.dataset) {
      picker.closest("form")?.requestSubmit();
    } else {
      chips.querySelector("button")?.focus();
    }
  };
  list.addEventListener("htmx:afterSwap", () => {
    active = -1;
    open(options().length > 0 && document.activeElement === input);
  });
  input.addEventListener("keydown", (event) => {
    const all = options();
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      if (list.hidden) open(true);
      highlight(Math.min(active + 1, all.length - 1));
    } else if (event.key === "ArrowUp" && all.length && !list.hidden) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && all.length) {
      event.preventDefault(); // pick, do not send the form yet
      choose(all[active >= 0 ? active : 0]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      open(false);
    }
  });
  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the field
  list.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) choose(option);
  });
  chips.addEventListener("click", (event) => {
    if (!event.target.closest("button.chip-remove")) return;
    hidden.value = "";
    chips.replaceChildren();
    input.focus();
  });
}
