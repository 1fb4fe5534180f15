/* What the pipeline editor and the run page share: a layered left-to-right layout of a
 * pipeline's steps (dagre, vendored in static/vendor/dagre) and small SVG helpers.
 *
 *   AIX.pipelineGraph.layout(steps, sizeOf) -> {nodes: {id: {x, y, w, h}}, width, height}
 *     steps: [{id, inputs: [ids]}]; sizeOf(step) -> {w, h}. Unknown inputs and
 *     self-references are left out (the server names them as problems).
 *   AIX.pipelineGraph.textWidth(svg, text, className) -> rendered width in px, so a node is
 *     as wide as its title (no title is cut).
 *   AIX.pipelineGraph.edgePath(from, to) -> an SVG path from one node's right side to the
 *     next one's left side.
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function textWidth(svg, text, className) {
    var probe = el("text", { "class": className, x: 0, y: -100, "aria-hidden": "true" }, svg);
    probe.textContent = text;
    var width = probe.getComputedTextLength();
    svg.removeChild(probe);
    return width;
  }

  function layout(steps, sizeOf) {
    var graph = new window.dagre.graphlib.Graph();
    graph.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 80, marginx: 20, marginy: 20 });
    graph.setDefaultEdgeLabel(function () { return {}; });
    steps.forEach(function (step) {
      var size = sizeOf(step);
      graph.setNode(step.id, { width: size.w, height: size.h });
    });
    steps.forEach(function (step) {
      (step.inputs || []).forEach(function (source) {
        if (source !== step.id && graph.hasNode(source)) graph.setEdge(source, step.id);
      });
    });
    window.dagre.layout(graph);
    var nodes = {};
    steps.forEach(function (step) {
      var n = graph.node(step.id);
      nodes[step.id] = { x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height };
    });
    var box = graph.graph();
    return { nodes: nodes, width: box.width || 0, height: box.height || 0 };
  }

  // Starts and ends just outside the nodes' sides, so a port drawn there stays pressable.
  function edgePath(a, b) {
    var GAP = 10;
    var x1 = a.x + a.w + GAP, y1 = a.y + a.h / 2, x2 = b.x - GAP, y2 = b.y + b.h / 2;
    var bend = Math.max(40, Math.abs(x2 - x1) / 2);
    return "M" + x1 + "," + y1 + " C" + (x1 + bend) + "," + y1 + " " + (x2 - bend) + "," + y2 +
      " " + x2 + "," + y2;
  }

  window.AIX = window.AIX || {};
  window.AIX.pipelineGraph = { el: el, layout: layout, textWidth: textWidth, edgePath: edgePath };
})();
