// Every page: the CSRF token on each htmx request, confirmations before destructive posts, focus after swaps.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content;

document.addEventListener("htmx:configRequest", (event) => {
  if (csrf) event.detail.headers["X-CSRF-Token"] = csrf;
});

const isHtmx = (el) => ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some((a) => el.hasAttribute(a));

// A form with data-confirm asks first (no inline script: the pages run under a strict CSP).
// Plain forms: the submit is held until confirmed. htmx forms: htmx's own confirm step (below).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset?.confirm;
  if (question && !isHtmx(form) && !form.dataset.confirmed) {
    event.preventDefault();
    if (window.confirm(question)) {
      form.dataset.confirmed = "1";
      // Not inside this submit event: a browser ignores requestSubmit() while a form's submit event is firing.
      const submitter = event.submitter;
      setTimeout(() => form.requestSubmit(submitter), 0);
    }
  }
}, true);

document.addEventListener("htmx:confirm", (event) => {
  const question = event.detail.elt?.dataset?.confirm;
  if (!question) return;
  event.preventDefault();
  if (window.confirm(question)) event.detail.issueRequest(true);
});

// After an htmx swap, move focus to what asks for it (an error, or a new row) so keyboard users follow.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target?.querySelector("[data-focus], [aria-invalid='true']");
  if (target) target.focus();
});
