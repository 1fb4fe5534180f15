/* The run page follows its run: it draws the pipeline as a graph (pipeline-graph.js) with
 * each step coloured and labelled by its state, polls the status JSON (the shared poller,
 * poller.js: it pauses while the tab is hidden), updates each step's node and badge in place,
 * and reloads once the run has finished so the result and the logs appear. */
(function () {
  "use strict";
  var root = document.querySelector("[data-run]");
  if (!root) return;
  var svg = root.querySelector("[data-run-graph]");
  var data = document.getElementById("run-graph-data");
  var steps = data ? JSON.parse(data.textContent) : [];
  var graph = window.AIX && window.AIX.pipelineGraph;

  function drawGraph() {
    if (!svg || !graph || !window.dagre || !steps.length) return;
    var sizes = {};
    steps.forEach(function (s) {
      var w = Math.max(graph.textWidth(svg, s.label, "pipeline-node-title"),
        graph.textWidth(svg, s.id + " · " + s.state_label, "pipeline-node-id"));
      sizes[s.id] = { w: Math.ceil(Math.max(150, w + 28)), h: 54 };
    });
    var laid = graph.layout(steps, function (s) { return sizes[s.id]; });
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("viewBox", "0 0 " + laid.width + " " + laid.height);
    svg.setAttribute("width", laid.width);
    svg.setAttribute("height", laid.height);
    steps.forEach(function (s) {
      s.inputs.forEach(function (src) {
        if (laid.nodes[src]) {
          graph.el("path", { d: graph.edgePath(laid.nodes[src], laid.nodes[s.id]), "class": "pipeline-edge" }, svg);
        }
      });
    });
    steps.forEach(function (s) {
      var box = laid.nodes[s.id];
      var g = graph.el("g", {
        "class": "run-node state-" + s.state, transform: "translate(" + box.x + "," + box.y + ")",
        "data-graph-step": s.id, "data-graph-state": s.state
      }, svg);
      graph.el("rect", { width: box.w, height: box.h, rx: 8 }, g);
      graph.el("text", { x: 14, y: 22, "class": "pipeline-node-title" }, g).textContent = s.label;
      graph.el("text", { x: 14, y: 42, "class": "pipeline-node-id", "data-graph-label": "" }, g)
        .textContent = s.id + " · " + s.state_label;
    });
  }

  function updateNode(step) {
    if (!svg) return;
    var g = svg.querySelector('[data-graph-step="' + (window.CSS && CSS.escape ? CSS.escape(step.id) : step.id) + '"]');
    if (!g) return;
    g.setAttribute("class", "run-node state-" + step.state);
    g.setAttribute("data-graph-state", step.state);
    g.querySelector("[data-graph-label]").textContent = step.id + " · " + step.state_label;
  }

  drawGraph();
  if (root.getAttribute("data-final") === "true" || !window.AIX || !window.AIX.poll) return;
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
        updateNode(s);
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
