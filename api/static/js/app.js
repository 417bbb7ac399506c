// Every page: the CSRF token on each htmx request, focus after swaps, confirmations in <dialog>.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

document.addEventListener("htmx:configRequest", (event) => {
  if (csrf) event.detail.headers["X-CSRF-Token"] = csrf;
});

// A form with data-confirm asks first (no inline script: the pages run under a strict CSP).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset?.confirm;
  if (question && !form.dataset.confirmed) {
    event.preventDefault();
    if (window.confirm(question)) {
      form.dataset.confirmed = "1";
      form.requestSubmit(event.submitter);
    }
  }
}, true);

// After an htmx swap, move focus to what asks for it (an error, or a new row) so keyboard users follow.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target?.querySelector("[data-focus], [aria-invalid='true']");
  if (target) target.focus();
});
