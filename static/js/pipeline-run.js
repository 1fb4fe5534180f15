/* The run page follows its run: poll the status JSON, update each step's badge in place,
 * and reload once the run has finished so the result and the logs appear (the shared
 * poller, poller.js: it pauses while the tab is hidden). */
(function () {
  "use strict";
  var root = document.querySelector("[data-run]");
  if (!root || root.getAttribute("data-final") === "true" || !window.AIX) return;
  var url = root.getAttribute("data-status-url");
  var live = root.querySelector("[data-live-status]");
  function badge(node, state, label) {
    if (!node) return;
    node.className = "badge status-" + state;
    node.textContent = label;
  }
  window.AIX.poll(url, {
    interval: 1000,
    retry: 3000,
    delay: 800,
    onData: function (data) {
      var run = root.querySelector("[data-run-state]");
      badge(run, data.state, data.state_label);
      run.setAttribute("data-run-state", data.state);
      data.steps.forEach(function (s) {
        var cell = root.querySelector('tr[data-step-id="' + s.id + '"] [data-step-state]');
        badge(cell, s.state, s.state_label);
        if (cell) cell.setAttribute("data-step-state", s.state);
      });
      var notice = root.querySelector("[data-run-notice]");
      if (notice && notice.textContent !== (data.notice || "")) {
        notice.textContent = data.notice || "";
        notice.hidden = !data.notice;
      }
      if (live) live.textContent = "";
      if (data.final) { window.location.reload(); return false; }
    },
    onError: function () {
      if (live) live.textContent = "Could not refresh the run; retrying.";
    }
  });
})();
