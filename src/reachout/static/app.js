// Reachout's few behaviours on top of htmx. No inline scripts anywhere (see the CSP).
(function () {
  "use strict";

  function showAlert(text) {
    var box = document.getElementById("alert");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(showAlert.timer);
    showAlert.timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  // Outreach or Reply: only the chosen one's field is shown and sent.
  function wireActivityFields(root) {
    root.querySelectorAll("[data-activity-fields]").forEach(function (box) {
      var select = box.querySelector("[data-activity]");
      var replyOnly = box.querySelector("[data-reply-only]");
      if (!select || !replyOnly) return;
      function sync() {
        var reply = select.value === "reply";
        replyOnly.hidden = !reply;
        replyOnly.querySelectorAll("select").forEach(function (s) { s.disabled = !reply; });
      }
      select.addEventListener("change", sync);
      sync();
    });
  }

  // Row checkboxes, select-all and the count: on a project's page select-all is every
  // candidate of the project, on the candidates list every one the search finds (on every
  // page: the server resolves `all`). `data-total` says how many that is.
  function selection() {
    var all = document.getElementById("select-all");
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row-check]"));
    var allInputs = Array.prototype.slice.call(document.querySelectorAll("#bulk-all, [data-all-input]"));
    var table = document.querySelector("[data-total]");
    var total = table ? parseInt(table.getAttribute("data-total"), 10) : 0;
    var checked = rows.filter(function (r) { return r.checked; }).length;
    var everyone = !!(all && all.checked);
    return { all: all, rows: rows, allInputs: allInputs, total: total, checked: checked, everyone: everyone };
  }

  function describeSelection() {
    var s = selection();
    var n = s.everyone ? s.total : s.checked;
    s.allInputs.forEach(function (input) { input.value = s.everyone ? "true" : "false"; });
    var count = document.getElementById("selection-count");
    if (count) {
      count.textContent = s.everyone ? "All " + s.total + " candidates selected"
        : n ? n + " selected" : "None selected";
    }
    var who = document.getElementById("bulk-who");
    if (who) {
      who.textContent = s.everyone ? "For all " + s.total + " candidates of this project."
        : "For the " + n + " selected candidate" + (n === 1 ? "" : "s") + ".";
    }
    return n;
  }

  function wireSelection(root) {
    var all = root.querySelector ? root.querySelector("[data-select-all]") : null;
    if (all) {
      all.addEventListener("change", function () {
        selection().rows.forEach(function (r) { r.checked = all.checked; });
        describeSelection();
      });
    }
    root.querySelectorAll("[data-row-check]").forEach(function (box) {
      box.addEventListener("change", function () {
        var s = selection();
        // Unticking one row leaves "all of the project": the selection is what is ticked.
        if (!box.checked && s.all) s.all.checked = false;
        describeSelection();
      });
    });
    if (document.getElementById("selection-count")) describeSelection();
  }

  // The More menu: a button that opens a list of actions; Escape closes it.
  function wireMenus(root) {
    root.querySelectorAll("[data-menu]").forEach(function (menu) {
      var button = menu.querySelector("button[aria-haspopup]");
      var list = menu.querySelector("[role=menu]");
      function close(focusButton) {
        list.hidden = true;
        button.setAttribute("aria-expanded", "false");
        if (focusButton) button.focus();
      }
      button.addEventListener("click", function () {
        var open = list.hidden;
        list.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
        if (open) { var first = list.querySelector("[role=menuitem]"); if (first) first.focus(); }
      });
      menu.addEventListener("keydown", function (e) { if (e.key === "Escape" && !list.hidden) { e.preventDefault(); close(true); } });
      document.addEventListener("click", function (e) { if (!menu.contains(e.target)) close(false); });
      list.querySelectorAll("[role=menuitem]").forEach(function (item) {
        item.addEventListener("click", function () { close(false); });
      });
    });
  }

  // Dialogs: <dialog> gives Escape and a focus trap; we restore focus to the opener on close.
  function wireDialogs(root) {
    root.querySelectorAll("[data-open-dialog]").forEach(function (opener) {
      opener.addEventListener("click", function () {
        var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
        if (!dialog) return;
        if (dialog.id === "bulk-dialog" && describeSelection() === 0) {
          showAlert("Select at least one candidate first.");
          return;
        }
        var form = dialog.querySelector("form");
        if (form) form.hidden = false;
        var result = dialog.querySelector("#bulk-result");
        if (result) result.innerHTML = "";
        dialog.returnFocusTo = document.getElementById("more-button") || opener;
        dialog.showModal();
        var first = dialog.querySelector("select, input:not([type=hidden]), textarea, button");
        if (first) first.focus();
      });
    });
    root.querySelectorAll("dialog").forEach(function (dialog) {
      dialog.addEventListener("close", function () {
        if (dialog.returnFocusTo) dialog.returnFocusTo.focus();
      });
    });
  }

  document.addEventListener("click", function (e) {
    var closer = e.target.closest ? e.target.closest("[data-close-dialog]") : null;
    if (closer) { var d = closer.closest("dialog"); if (d) d.close(); }
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var result = document.getElementById("bulk-result");
    if (result && e.detail.target && e.detail.target.id === "bulk-result") {
      var undo = result.querySelector("button");
      if (e.detail.xhr.status < 300) {
        var form = document.getElementById("bulk-form");
        if (form) form.hidden = true;
      }
      if (undo) undo.focus();
    }
  });

  document.addEventListener("htmx:responseError", function (e) {
    var text = (e.detail.xhr && e.detail.xhr.responseText) || "Something went wrong.";
    showAlert(text.length > 300 ? text.slice(0, 300) + "…" : text);
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert("The server could not be reached. Check your connection and retry.");
  });

  function wire(root) {
    wireActivityFields(root);
    wireSelection(root);
    wireMenus(root);
    wireDialogs(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) {
      window.htmx.onLoad(function (el) { if (el !== document.body) wire(el); });
    }
    wire(document);
  });
})();
