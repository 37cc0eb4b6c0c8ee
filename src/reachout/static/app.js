// Reachout's few behaviours on top of htmx. No inline scripts anywhere (see the CSP).
(function () {
  "use strict";

  // Where a dialog's form answers (bulk Log Outreach/Reply, Add to sequence).
  var RESULT_IDS = ["bulk-result", "enroll-result"];
  var RESULTS = "#" + RESULT_IDS.join(", #");

  function showAlert(text) {
    var box = document.getElementById("alert");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(showAlert.timer);
    showAlert.timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  // Outreach or Reply: only the chosen one's field is shown and sent. A reply comes, most
  // likely, on the channel of the candidate's last outreach (`data-reply-channel`, from the
  // server): Type follows the choice until the user picks a Type themselves.
  function wireActivityFields(root) {
    root.querySelectorAll("[data-activity-fields]").forEach(function (box) {
      var select = box.querySelector("[data-activity]");
      var replyOnly = box.querySelector("[data-reply-only]");
      if (!select || !replyOnly) return;
      var channel = box.querySelector("select[name=channel]");
      var replyChannel = channel && channel.getAttribute("data-reply-channel");
      var outreachChannel = channel && channel.value;
      var picked = false;
      if (channel) channel.addEventListener("change", function () { picked = true; });
      function sync() {
        var reply = select.value === "reply";
        replyOnly.hidden = !reply;
        replyOnly.querySelectorAll("select").forEach(function (s) { s.disabled = !reply; });
        if (replyChannel && !picked) channel.value = reply ? replyChannel : outreachChannel;
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
    var hint = document.getElementById("more-hint");
    if (hint && n) hint.textContent = "";
    // The dialogs that act on the selection (Log Outreach/Reply, Add to sequence) say whom for.
    document.querySelectorAll("#bulk-who, [data-selection-who]").forEach(function (who) {
      who.textContent = s.everyone ? "For all " + s.total + " candidates of this project."
        : "For the " + n + " selected candidate" + (n === 1 ? "" : "s") + ".";
    });
    return n;
  }

  // A project's ticked rows and select-all, kept while htmx refreshes its table (after a bulk
  // save, an undo): the new rows are ticked as the old ones were, so the dialog's count stays
  // right. Only the table reloading itself, and only a project's: the candidates list clears
  // its selection once it has been added to a project.
  var keptSelection = null;

  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    var source = (e.detail.requestConfig && e.detail.requestConfig.elt) || e.detail.elt;
    if (!target || target.id !== "project-candidates" || source !== target) return;
    var s = selection();
    keptSelection = {
      everyone: s.everyone,
      ids: s.rows.filter(function (r) { return r.checked; }).map(function (r) { return r.value; })
    };
  });

  function restoreSelection(root) {
    if (!keptSelection || root.id !== "project-candidates") return;
    var kept = keptSelection;
    keptSelection = null;
    root.querySelectorAll("[data-row-check]").forEach(function (box) {
      box.checked = kept.everyone || kept.ids.indexOf(box.value) !== -1;
    });
    var all = root.querySelector("[data-select-all]");
    if (all) all.checked = kept.everyone;
  }

  function wireSelection(root) {
    restoreSelection(root);
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
        var hint = document.getElementById("more-hint");
        if (hint) hint.textContent = "";
        var forSelection = dialog.id === "bulk-dialog" || dialog.hasAttribute("data-selection");
        if (forSelection && describeSelection() === 0) {
          // Said beside More, where the eye is (#more-hint is an alert region).
          if (hint) hint.textContent = "Select at least one candidate first.";
          else showAlert("Select at least one candidate first.");
          return;
        }
        var form = dialog.querySelector("form");
        if (form) form.hidden = false;
        var result = dialog.querySelector(RESULTS);
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

  // A dialog's result, once saved: its form is done with, and focus goes to what follows
  // (Undo, Close).
  document.addEventListener("htmx:afterSwap", function (e) {
    var id = e.detail.target && e.detail.target.id;
    if (RESULT_IDS.indexOf(id) === -1) return;
    var result = document.getElementById(id);
    if (!result) return;
    var dialog = result.closest("dialog");
    var form = dialog && dialog.querySelector("form");
    var next = result.querySelector("button.primary") || result.querySelector("button");
    if (e.detail.xhr.status < 300 && form) form.hidden = true;
    if (next) next.focus();
  });

  // After Save activity (or an edit, a deletion) the section is new and the focused button
  // gone: focus goes to what was just done, not to the top of the page. On an error, to the
  // first field the form marks.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (!e.detail.target || e.detail.target.id !== "activity") return;
    var section = document.getElementById("activity");
    if (!section) return;
    var error = section.querySelector("form .error");
    var field = error && error.closest(".field");
    var next = (field && field.querySelector("select, input, textarea")) ||
      section.querySelector("[data-saved]") || section.querySelector("#activity-status");
    if (next) next.focus();
  });

  document.addEventListener("htmx:responseError", function (e) {
    var text = (e.detail.xhr && e.detail.xhr.responseText) || "Something went wrong.";
    showAlert(text.length > 300 ? text.slice(0, 300) + "…" : text);
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert("The server could not be reached. Check your connection and retry.");
  });

  // Phone layout (issue 17). Below the CSS breakpoint the header's links and Sign out fold
  // behind Menu: aria-expanded is the one state, and the CSS shows the menu from it.
  var narrow = window.matchMedia("(max-width: 52rem)"); // app.css's phone breakpoint

  function wireSiteMenu() {
    var button = document.getElementById("menu-button");
    if (!button) return;
    function set(open) { button.setAttribute("aria-expanded", String(open)); }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
    narrow.addEventListener("change", function () { set(false); });
  }

  // On a phone Log Activity floats at the bottom of the screen, within the thumb's reach;
  // opened, the form sits in the Activity card, which may be below: bring it into view.
  // (toggle does not bubble: listen in the capture phase, so swapped-in forms count too.)
  document.addEventListener("toggle", function (e) {
    var details = e.target;
    if (!narrow.matches || !details.open || !details.classList || !details.classList.contains("log-activity")) return;
    details.scrollIntoView({ block: "start" });
  }, true);

  // A table wider than its box scrolls sideways inside it (app.css, on a phone): it takes focus
  // then, so that arrow keys scroll it too.
  function markScrollingTables() {
    document.querySelectorAll("table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
      else if (table.getAttribute("tabindex") === "0") table.removeAttribute("tabindex");
    });
  }
  window.addEventListener("resize", markScrollingTables);
  document.addEventListener("htmx:afterSettle", markScrollingTables);

  // --- Keyboard shortcuts (issue 17) -----------------------------------------------------
  // "/" goes to the page's search box, "l" opens Log Activity on a profile, "?" lists the
  // shortcuts (the dialog in base.html); Escape closes dialogs (<dialog> does it itself) and
  // menus. Keys typed in a field are the field's, and a modifier key means another shortcut.
  function typingIn(target) {
    return !!(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  function openLogActivity() {
    var details = document.querySelector("details.log-activity");
    if (!details) return false;
    details.open = true;
    var first = details.querySelector("select, input:not([type=hidden]), textarea");
    if (first) first.focus();
    return true;
  }

  function openShortcuts(opener) {
    var dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open) return;
    dialog.returnFocusTo = opener || document.activeElement;
    dialog.showModal();
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    if (document.querySelector("dialog[open]")) return; // the dialog has the keys
    if (e.key === "/") {
      var box = document.querySelector("[data-search-box], main input[type=search]");
      if (!box) return;
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "l") {
      if (openLogActivity()) e.preventDefault();
    } else if (e.key === "?") {
      e.preventDefault();
      openShortcuts(null);
    }
  });

  document.addEventListener("click", function (e) {
    var opener = e.target.closest ? e.target.closest("[data-open-shortcuts]") : null;
    if (opener) openShortcuts(opener);
  });

  // Follow-ups links to a profile with ?log=1: Log Activity is open, its first field focused.
  document.addEventListener("DOMContentLoaded", function () {
    if (/[?&]log=(1|true)(&|$)/.test(window.location.search)) openLogActivity();
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
    wireSiteMenu();
    markScrollingTables();
  });
})();
