// The sequence editor and the Tasks page, on top of htmx and app.js. No inline scripts (CSP).
(function () {
  "use strict";

  // Editor: an email stage shows its subject and body, a manual stage its instructions. The
  // hidden fields are still sent; the server keeps only the ones of the stage's type.
  function syncStage(select) {
    var stage = select.closest("[data-stage]");
    if (!stage) return;
    var email = select.value === "email";
    stage.querySelectorAll("[data-for-channel]").forEach(function (box) {
      box.hidden = (box.getAttribute("data-for-channel") === "email") !== email;
    });
  }

  // Tokens: a click puts the token where the cursor was in the template field used last
  // (else the first one shown), and tells the preview.
  var lastTemplate = null;

  function insertToken(token) {
    var field = lastTemplate && document.body.contains(lastTemplate) && !lastTemplate.closest("[hidden]")
      ? lastTemplate : document.querySelector("[data-template]:not([hidden] *)");
    if (!field) return;
    var start = field.selectionStart == null ? field.value.length : field.selectionStart;
    var end = field.selectionEnd == null ? start : field.selectionEnd;
    field.value = field.value.slice(0, start) + token + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + token.length, start + token.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-stage-channel]")) syncStage(e.target);
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("[data-template]")) lastTemplate = e.target;
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-token]") : null;
    if (button) insertToken(button.getAttribute("data-token"));
  });

  // Tasks: Complete loads the task's Log Activity into the dialog, then opens it.
  document.addEventListener("htmx:afterSwap", function (e) {
    var target = e.detail.target;
    if (!target || target.id !== "complete-body") return;
    var dialog = target.closest("dialog");
    if (dialog && !dialog.open) {
      dialog.returnFocusTo = e.detail.requestConfig && e.detail.requestConfig.elt;
      dialog.showModal();
    }
    var first = target.querySelector("textarea, input:not([type=hidden]):not([disabled]), .primary");
    if (first) first.focus();
  });
  document.addEventListener("close", function (e) {
    var dialog = e.target;
    if (!dialog || dialog.id !== "complete-dialog") return;
    if (dialog.returnFocusTo && document.body.contains(dialog.returnFocusTo)) dialog.returnFocusTo.focus();
  }, true);
})();
