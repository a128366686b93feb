/* Behaviour for every page. The Content-Security-Policy forbids inline event handlers
   (onclick="…"), so markup says what it wants with data attributes and this file binds them:
   - <select data-autosubmit>: submit its form on change (language switcher);
   - <button data-append-to="ID">: append the button's text to the field ID (quick phrases);
   - <input data-fill="ID" data-answer="…">: on change, put data-answer into the field ID;
   - <button data-print>: print the page (receipts). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("select[data-autosubmit]") && el.form) {
      el.form.submit();
    } else if (el.matches("[data-fill]")) {
      var target = document.getElementById(el.dataset.fill);
      if (target) { target.value = el.dataset.answer || ""; }
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var button = event.target.closest("[data-append-to]");
    if (!button) { return; }
    var field = document.getElementById(button.dataset.appendTo);
    if (field) { field.value += button.textContent; field.focus(); }
  });
})();
