/* Deployments: keep the status of every row current without reloading.
 * Progressive only: without this file the page is complete and has a Refresh link.
 * Polls the table's data-status-url every 4 s while the page is visible (the shared
 * poller, poller.js) and updates each row (badge, error, Open and Delete buttons) in
 * place. A row whose deployment is gone (deleted) says so at once and loses its actions;
 * a new deployment is announced with a refresh link rather than guessed. */
(function () {
  "use strict";
  var table = document.querySelector("[data-status-url]");
  if (!table || !window.fetch || !window.AIX) { return; }
  var live = document.querySelector("[data-live-status]");

  function rowsById() {
    var rows = {};
    table.querySelectorAll("tr[data-deployment-id]").forEach(function (tr) {
      rows[tr.getAttribute("data-deployment-id")] = tr;
    });
    return rows;
  }

  function setHidden(element, hidden) {
    if (!element) { return; }
    if (hidden) { element.setAttribute("hidden", ""); } else { element.removeAttribute("hidden"); }
  }

  function update(tr, data) {
    var badge = tr.querySelector("[data-state]");
    if (badge && badge.getAttribute("data-state") !== data.state) {
      badge.className = "badge status-" + data.badge;
      badge.setAttribute("data-state", data.state);
      badge.textContent = data.state_label;
    }
    var error = tr.querySelector('[data-field="error"]');
    if (error) {
      error.textContent = data.error_message || "";
      setHidden(error, !data.error_message);
    }
    var open = tr.querySelector('[data-action="open"]');
    if (open) {
      open.setAttribute("href", data.open_url || "#");
      setHidden(open, !data.open_url);
    }
    setHidden(tr.querySelector('[data-action="delete"]'), !data.deletable);
  }

  // The status endpoint no longer lists a deleted deployment: the row says so and keeps no
  // action that would lead nowhere.
  function markGone(tr) {
    tr.classList.add("is-gone");
    var badge = tr.querySelector("[data-state]");
    if (badge) {
      badge.className = "badge status-deleted";
      badge.setAttribute("data-state", "deleted");
      badge.textContent = "Deleted";
    }
    tr.querySelectorAll("[data-action]").forEach(function (action) { setHidden(action, true); });
  }

  function say(text) {
    if (live) { live.textContent = text; }
  }

  function render(payload) {
    var rows = rowsById();
    var seen = {};
    var changed = false;
    // The list page shows every deployment; a detail page only its own row.
    var isList = table.id === "deployments-table";
    payload.deployments.forEach(function (data) {
      seen[data.id] = true;
      if (rows[data.id]) { update(rows[data.id], data); } else if (isList) { changed = true; }
    });
    var gone = [];
    Object.keys(rows).forEach(function (id) {
      if (!seen[id] && !rows[id].classList.contains("is-gone")) {
        markGone(rows[id]);
        gone.push(rows[id].querySelector('[data-cell="title"]').textContent.trim());
      }
    });
    say(changed ? "The list changed: refresh to see it." :
      gone.length ? "Deleted: " + gone.join(", ") + "." : "");
    var waiting = payload.deployments.some(function (d) { return d.state === "queued"; });
    setHidden(document.querySelector("[data-queued-notice]"), !waiting);
  }

  window.AIX.poll(table.getAttribute("data-status-url"), {
    interval: 4000,
    onData: render,
    onError: function () { say("Live updates paused (connection problem); retrying."); }
  });
})();
