/* Forms people can finish in one pass (no build step, no inline script).
 *
 * - A form shown again with errors has a summary at its top ([data-error-summary]);
 *   it takes the focus, so the reader hears it and can jump to each field from it.
 *   Without a summary, the first field in error takes the focus.
 * - A field that becomes required once another is filled ([data-required-with="name"])
 *   is marked required (and announced so) while the other has a value.
 * - A fieldset that belongs to one choice of another field ([data-shown-with="name"]
 *   [data-shown-value="value"]) is hidden, and its fields not sent, while that field has
 *   another value; without script it is always shown, and its legend says when it applies.
 */
(function () {
  "use strict";
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  } else {
    const first = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (first) first.focus();
  }
  // A link of the summary puts the focus in its field, not only the view.
  document.addEventListener("click", function (e) {
    const link = e.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    e.preventDefault();
    target.scrollIntoView({ block: "center" });
    const field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (field) field.focus();
  });

  document.querySelectorAll("[data-required-with]").forEach(function (field) {
    const other = field.form && field.form.elements.namedItem(field.dataset.requiredWith);
    if (!other) return;
    const label = field.id && document.querySelector("label[for='" + field.id + "']");
    const mark = document.createElement("abbr");
    mark.className = "required";
    mark.textContent = "*";
    mark.title = field.dataset.requiredTitle || "";
    function refresh() {
      const needed = other.value.trim() !== "";
      field.required = needed;
      field.setAttribute("aria-required", needed ? "true" : "false");
      if (!label) return;
      if (needed && !mark.isConnected) label.append(" ", mark);
      if (!needed && mark.isConnected) mark.remove();
    }
    other.addEventListener("input", refresh);
    refresh();
  });

  document.querySelectorAll("[data-shown-with]").forEach(function (part) {
    const form = part.closest("form");
    const other = form && form.elements.namedItem(part.dataset.shownWith);
    if (!other) return;
    function refresh() {
      part.hidden = other.value !== part.dataset.shownValue;
      // Hidden, it is not sent either: what was typed there belongs to the other choice and
      // comes back with it.
      part.querySelectorAll("input, select, textarea").forEach(function (control) {
        control.disabled = part.hidden;
      });
    }
    other.addEventListener("change", refresh);
    refresh();
  });
})();
