/* The federated-learning panel: re-render it every 3 s from federated.json while the page
 * is visible (rounds, charts, clients, metrics), through the shared poller (poller.js).
 * Progressive only: without this file the panel is complete as served, and reloading the
 * page updates it. The panel's hook loads this file before the page's own scripts (poller.js),
 * so it starts once every deferred script has run (DOMContentLoaded). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var panel = document.querySelector("[data-federated-url]");
  if (!panel || !window.fetch || !window.AIX) { return; }
  var shown = null;

  // The control that has focus (a copy button, a scrolled table), found again after the
  // panel is replaced, so a keyboard user is not thrown back to the top of the page.
  function focusKey() {
    var active = document.activeElement;
    if (!active || active === panel || !panel.contains(active)) { return null; }
    if (active.id) { return "#" + active.id; }
    if (active.hasAttribute("data-copy")) {
      return '[data-copy="' + active.getAttribute("data-copy") + '"]';
    }
    return null;
  }

  window.AIX.poll(panel.getAttribute("data-federated-url"), {
    interval: 3000,
    onData: function (payload) {
      panel.removeAttribute("data-fed-stale");
      if (payload.html === shown) { return; }  // nothing new: leave the DOM (and focus) alone
      // Keep a text selection (someone copying the command) intact: skip this update.
      var selection = window.getSelection && window.getSelection();
      if (selection && !selection.isCollapsed && panel.contains(selection.anchorNode)) { return; }
      var key = focusKey();
      panel.innerHTML = payload.html;
      shown = payload.html;
      // The new command boxes that scroll sideways must be keyboard-focusable too (site.js).
      if (window.AIX.focusableScrollers) { window.AIX.focusableScrollers(); }
      var again = key && panel.querySelector(key);
      if (again) { again.focus(); }
    },
    onError: function () { panel.setAttribute("data-fed-stale", "true"); }
  });
});
