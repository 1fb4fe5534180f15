/* The Monitoring tab follows sample traffic and the checks it runs: while the page says it is
 * busy (data-busy="true"), it asks for itself again every 2 s (the shared poller, poller.js)
 * and swaps in the sections that change (status, traffic, drift), leaving the settings form
 * alone. It stops, and says so, once the new page is no longer busy. */
(function () {
  "use strict";
  var root = document.querySelector("[data-monitoring-live]");
  if (!root || root.getAttribute("data-busy") !== "true" || !window.AIX || !window.DOMParser) return;
  var announce = root.querySelector("[data-monitoring-announce]");
  window.AIX.poll(window.location.pathname, {
    as: "text",
    interval: 2000,
    onData: function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-monitoring-live]");
      if (!fresh) return false;
      root.querySelectorAll("[data-live-section]").forEach(function (section) {
        var name = section.getAttribute("data-live-section");
        var next = fresh.querySelector('[data-live-section="' + name + '"]');
        if (next && !section.contains(document.activeElement)) section.replaceWith(next);
      });
      var busy = fresh.getAttribute("data-busy") === "true";
      root.setAttribute("data-busy", busy ? "true" : "false");
      if (announce) {
        var status = root.querySelector("[data-verdict]");
        announce.textContent = busy ? "" : "Sample traffic done. " + (status ? status.textContent.replace(/\s+/g, " ").trim() : "");
      }
      return busy ? undefined : false;
    }
  });
})();
