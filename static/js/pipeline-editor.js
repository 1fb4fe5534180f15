/* The visual pipeline editor: a progressive layer over the YAML form.
 *
 * Without JavaScript the form (title, description, YAML) is the whole editor. With it, the
 * canvas shows the same definition as a graph laid out in layers by dagre (pipeline-graph.js):
 * drag modules and joins from the palette (or press Add, or Enter in the filter), connect an
 * output port (right) to an input port (left), drag steps around, remove with the × button.
 * Every canvas action has a keyboard path on the focused step (Enter connects, arrows move,
 * Delete removes; a focused connection disconnects with Delete), is announced in the live
 * region, and keeps focus where it was across the redraw. Every change rewrites the YAML
 * textarea; typing in the textarea redraws the canvas. The server validates on save and names
 * the step of every problem; the canvas marks that step.
 */
(function () {
  "use strict";
  var section = document.getElementById("visual-editor");
  var form = document.querySelector("[data-pipeline-form]");
  if (!section || !form) return;
  var textarea = form.querySelector("textarea[name=definition]");
  var svg = section.querySelector("[data-canvas]");
  var status = section.querySelector("[data-editor-status]");
  var state = { inputType: "Image", steps: [] }; // steps: {id, kind, name, title, version, inputs}
  var moved = {}; // id -> {x, y}: where the person put a step (else dagre places it)
  // Problems the server found on save, by the step they name: marked on that step.
  var problems = {};
  document.querySelectorAll("[data-problems] [data-problem-step]").forEach(function (li) {
    var step = li.getAttribute("data-problem-step");
    if (step) (problems[step] = problems[step] || []).push(li.textContent.trim());
  });
  var pendingSource = null;
  var selected = null;
  var inSync = true;

  section.hidden = false;

  // -- YAML (the subset our own dump writes, plus flow lists) ------------------------------
  function scalar(text) {
    text = text.trim();
    if ((text[0] === "'" && text.slice(-1) === "'") || (text[0] === '"' && text.slice(-1) === '"')) {
      return text.slice(1, -1);
    }
    if (/^\d+$/.test(text)) return parseInt(text, 10);
    return text;
  }
  function flowList(text) {
    var inner = text.trim().slice(1, -1).trim();
    return inner ? inner.split(",").map(function (s) { return String(scalar(s)); }) : [];
  }
  function parseYaml(text) {
    var doc = { input_type: "Image", steps: [] };
    var lines = text.replace(/\r/g, "").split("\n");
    var step = null, listKey = null, inSteps = false;
    for (var i = 0; i < lines.length; i++) {
      var raw = lines[i].replace(/\s+#.*$/, "");
      if (!raw.trim() || raw.trim()[0] === "#") continue;
      var indent = raw.match(/^ */)[0].length;
      var line = raw.trim();
      var m;
      if (indent === 0 && (m = line.match(/^([\w-]+):\s*(.*)$/))) {
        listKey = null;
        inSteps = m[1] === "steps";
        if (inSteps && m[2] && m[2] !== "[]") throw new Error("line " + (i + 1));
        if (m[1] === "input_type") doc.input_type = String(scalar(m[2]));
        else if (!inSteps) throw new Error("line " + (i + 1));
        continue;
      }
      if (!inSteps) throw new Error("line " + (i + 1));
      if ((m = line.match(/^- ([\w-]+):\s*(.*)$/)) && (step === null || indent <= step.indent)) {
        step = { indent: indent, data: { inputs: [] } };
        doc.steps.push(step.data);
        listKey = null;
        setKey(step.data, m[1], m[2]);
        if (m[2] === "" && m[1] === "inputs") listKey = "inputs";
        continue;
      }
      if (step && listKey && (m = line.match(/^- (.*)$/))) {
        step.data[listKey].push(String(scalar(m[1])));
        continue;
      }
      if (step && (m = line.match(/^([\w-]+):\s*(.*)$/))) {
        listKey = null;
        setKey(step.data, m[1], m[2]);
        if (m[2] === "" && m[1] === "inputs") listKey = "inputs";
        continue;
      }
      throw new Error("line " + (i + 1));
    }
    return doc;
  }
  function setKey(obj, key, value) {
    if (key === "inputs") obj.inputs = value.trim()[0] === "[" ? flowList(value) : (value ? [String(scalar(value))] : []);
    else obj[key] = scalar(value);
  }
  function quote(v) {
    v = String(v);
    return /^[\w.\/-]+$/.test(v) && !/^\d+$/.test(v) ? v : JSON.stringify(v);
  }
  function dumpYaml() {
    var out = ["input_type: " + quote(state.inputType), "steps:"];
    state.steps.forEach(function (s) {
      out.push("- id: " + s.id);
      if (s.kind === "module") out.push("  module: " + quote(s.name));
      if (s.kind === "join") out.push("  join: " + quote(s.name));
      if (s.kind === "join" && s.module) out.push("  module: " + quote(s.module));
      if (s.kind === "pipeline") {
        out.push("  pipeline: " + quote(s.name));
        if (s.version) out.push("  version: " + s.version);
      }
      if (s.inputs.length) {
        out.push("  inputs:");
        s.inputs.forEach(function (i) { out.push("  - " + i); });
      }
    });
    return out.join("\n") + "\n";
  }

  function fromDocument(doc) {
    state.inputType = doc.input_type || "Image";
    state.steps = doc.steps.map(function (d) {
      var kind = d.join ? "join" : d.pipeline ? "pipeline" : "module";
      var name = d.join || d.pipeline || d.module || "";
      return {
        id: String(d.id || ""), kind: kind, name: String(name), title: titleFor(kind, String(name)),
        module: d.join === "module" ? d.module : "", version: d.version || null,
        inputs: (d.inputs || []).slice()
      };
    });
  }

  function titleFor(kind, name) {
    var li = section.querySelector('[data-kind="' + kind + '"][data-name="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]');
    return li ? li.getAttribute("data-title") : name;
  }

  function writeBack() {
    textarea.value = dumpYaml();
    inSync = true;
    announce("");
  }
  function announce(text) { if (status) status.textContent = text; }

  // -- layout: dagre's layered layout; a step the person moved stays where they put it ----
  var NODE_H = 58, MIN_W = 170, PAD = 16, REMOVE_W = 26;
  function sizeOf(s) {
    var graph = window.AIX.pipelineGraph;
    var title = graph.textWidth(svg, titleText(s), "pipeline-node-title");
    var sub = graph.textWidth(svg, subText(s), "pipeline-node-id");
    return { w: Math.ceil(Math.max(MIN_W, Math.max(title, sub) + 2 * PAD + REMOVE_W)), h: NODE_H };
  }
  function titleText(s) { return s.title || s.name || s.id; }
  function subText(s) { return s.id + " · " + (s.kind === "join" ? s.name : s.kind); }
  function place() {
    var result = window.AIX.pipelineGraph.layout(state.steps, sizeOf);
    var boxes = {};
    state.steps.forEach(function (s) {
      var box = result.nodes[s.id];
      if (moved[s.id]) { box = { x: moved[s.id].x, y: moved[s.id].y, w: box.w, h: box.h }; }
      boxes[s.id] = box;
    });
    return boxes;
  }

  // -- drawing --------------------------------------------------------------------------------
  var el = function (name, attrs, parent) { return window.AIX.pipelineGraph.el(name, attrs, parent); };
  function focusKey() {
    var active = document.activeElement;
    return active && svg.contains(active) ? active.getAttribute("data-focus-key") : null;
  }
  // Redraw, then give focus back to the same control (a step, a connection), or to `next`
  // when the focused one is gone: focus never falls back to <body> after a canvas action.
  function render(next) {
    var keep = next || focusKey();
    var boxes = place();
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var width = 600, height = 320;
    Object.keys(boxes).forEach(function (id) {
      width = Math.max(width, boxes[id].x + boxes[id].w + 30);
      height = Math.max(height, boxes[id].y + boxes[id].h + 30);
    });
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    var nodeLayer = el("g", { "class": "pipeline-nodes" }, svg);
    var edgeLayer = el("g", { "class": "pipeline-edges" }, svg);
    var byId = {};
    state.steps.forEach(function (s) { byId[s.id] = s; });
    state.steps.forEach(function (s) { drawNode(nodeLayer, s, boxes[s.id]); });
    state.steps.forEach(function (s) {
      s.inputs.forEach(function (src) {
        if (byId[src] && src !== s.id) drawEdge(edgeLayer, src, s, boxes[src], boxes[s.id]);
      });
    });
    if (keep) {
      var target = svg.querySelector('[data-focus-key="' + cssEscape(keep) + '"]');
      if (target) target.focus();
    }
  }
  function cssEscape(text) { return window.CSS && CSS.escape ? CSS.escape(text) : text; }
  function drawEdge(layer, src, s, a, b) {
    var path = el("path", {
      d: window.AIX.pipelineGraph.edgePath(a, b), "class": "pipeline-edge",
      "data-edge": src + "->" + s.id, "data-focus-key": "edge:" + src + "->" + s.id,
      tabindex: "0", role: "button",
      "aria-label": "Connection " + src + " to " + s.id + ". Press Delete to disconnect."
    }, layer);
    function disconnect() {
      s.inputs = s.inputs.filter(function (i) { return i !== src; });
      writeBack(); render("node:" + s.id);
      announce("Disconnected " + src + " from " + s.id + ".");
    }
    path.addEventListener("click", disconnect);
    path.addEventListener("keydown", function (e) {
      if (e.key === "Delete" || e.key === "Backspace" || e.key === "Enter" || e.key === " ") {
        e.preventDefault(); disconnect();
      }
    });
  }
  function drawNode(layer, s, box) {
    var problem = problems[s.id];
    // The accessible name starts with the visible text (WCAG 2.5.3 label in name).
    var label = titleText(s) + " " + subText(s) +
      (s.inputs.length ? ", reads " + s.inputs.join(", ") : "") +
      (problem ? ". Problem: " + problem.join(" ") : "") +
      (pendingSource === s.id ? ". Connecting from here" : "");
    var g = el("g", {
      "class": "pipeline-node pipeline-node-" + s.kind + (problem ? " has-problem" : "") +
        (pendingSource === s.id ? " is-pending" : ""),
      transform: "translate(" + box.x + "," + box.y + ")", tabindex: "0", role: "button",
      "aria-roledescription": "step", "aria-describedby": "pipeline-keys",
      "data-node": s.id, "data-focus-key": "node:" + s.id, "aria-label": label
    }, layer);
    if (problem) g.setAttribute("data-problem", problem.join(" "));
    el("rect", { width: box.w, height: box.h, rx: 8 }, g);
    var title = el("text", { x: PAD, y: 23, "class": "pipeline-node-title" }, g);
    title.textContent = titleText(s);
    var sub = el("text", { x: PAD, y: 44, "class": "pipeline-node-id" }, g);
    sub.textContent = subText(s);
    if (problem) {
      var mark = el("text", { x: box.w - REMOVE_W - 4, y: 44, "class": "pipeline-node-problem", "aria-hidden": "true" }, g);
      mark.textContent = "⚠";
      el("title", {}, g).textContent = problem.join(" ");
    }
    // Mouse affordances; the keyboard does the same on the focused step (see #pipeline-keys).
    var close = el("text", { x: box.w - REMOVE_W + 6, y: 20, "class": "pipeline-node-remove", "data-remove": s.id, "aria-hidden": "true" }, g);
    close.textContent = "×";
    close.addEventListener("click", function (e) { e.stopPropagation(); removeStep(s.id); });
    var inPort = el("circle", { cx: 0, cy: box.h / 2, r: 8, "class": "pipeline-port pipeline-port-in", "data-port-in": s.id, "aria-hidden": "true" }, g);
    var outPort = el("circle", { cx: box.w, cy: box.h / 2, r: 8, "class": "pipeline-port pipeline-port-out", "data-port-out": s.id, "aria-hidden": "true" }, g);
    outPort.addEventListener("click", function (e) { e.stopPropagation(); startConnecting(s.id, "node:" + s.id); });
    inPort.addEventListener("click", function (e) { e.stopPropagation(); connect(pendingSource, s.id); });
    g.addEventListener("keydown", function (e) { nodeKey(e, s); });
    g.addEventListener("focus", function () { selected = s.id; });
    dragNode(g, s.id);
  }
  var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  function nodeKey(e, s) {
    if (e.target !== e.currentTarget) return;
    if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); removeStep(s.id); return; }
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (pendingSource && pendingSource !== s.id) connect(pendingSource, s.id);
      else if (pendingSource === s.id) cancelConnecting();
      else startConnecting(s.id);
      return;
    }
    if (e.key === "Escape" && pendingSource) { e.preventDefault(); cancelConnecting(); return; }
    var arrow = ARROWS[e.key];
    if (arrow) {
      e.preventDefault();
      var boxes = place(), step = e.shiftKey ? 80 : 20, box = boxes[s.id];
      moved[s.id] = { x: Math.max(0, box.x + arrow[0] * step), y: Math.max(0, box.y + arrow[1] * step) };
      render();
      announce("Moved step " + s.id + " " + e.key.replace("Arrow", "").toLowerCase() + ".");
    }
  }
  function startConnecting(id, focus) {
    pendingSource = id;
    render(focus);
    announce("Connecting from " + id + ": go to the step that should read it and press Enter (or press its input port). Escape cancels.");
  }
  function cancelConnecting() {
    pendingSource = null;
    render();
    announce("Connection cancelled.");
  }
  function connect(source, target) {
    if (!source) { announce("First choose the step to connect from (Enter on it, or its output port)."); return; }
    pendingSource = null;
    var step = find(target);
    if (source === target || !step) { render(); return; }
    if (step.inputs.indexOf(source) === -1) {
      if (step.kind !== "join") step.inputs = [source]; // a module reads one input
      else step.inputs.push(source);
    }
    writeBack(); render("node:" + target);
    announce("Connected " + source + " to " + target + ".");
  }
  function find(id) { return state.steps.filter(function (s) { return s.id === id; })[0]; }
  function removeStep(id) {
    var index = state.steps.map(function (s) { return s.id; }).indexOf(id);
    state.steps = state.steps.filter(function (s) { return s.id !== id; });
    state.steps.forEach(function (s) { s.inputs = s.inputs.filter(function (i) { return i !== id; }); });
    delete moved[id];
    if (pendingSource === id) pendingSource = null;
    var neighbour = state.steps[Math.min(index, state.steps.length - 1)];
    writeBack();
    render(neighbour ? "node:" + neighbour.id : null);
    if (!neighbour) svg.focus();
    announce("Removed step " + id + ".");
  }
  function svgPoint(evt) {
    var box = svg.getBoundingClientRect();
    var vb = svg.viewBox.baseVal;
    return { x: (evt.clientX - box.left) * vb.width / box.width, y: (evt.clientY - box.top) * vb.height / box.height };
  }
  function dragNode(g, id) {
    g.addEventListener("pointerdown", function (e) {
      if (e.target.classList.contains("pipeline-port") || e.target.hasAttribute("data-remove")) return;
      var start = svgPoint(e), origin = place()[id];
      var dragged = false;
      g.setPointerCapture(e.pointerId);
      function move(ev) {
        var p = svgPoint(ev);
        if (Math.abs(p.x - start.x) + Math.abs(p.y - start.y) < 3 && !dragged) return;
        dragged = true;
        moved[id] = { x: Math.max(0, origin.x + p.x - start.x), y: Math.max(0, origin.y + p.y - start.y) };
        g.setAttribute("transform", "translate(" + moved[id].x + "," + moved[id].y + ")");
      }
      function up() {
        g.removeEventListener("pointermove", move);
        g.removeEventListener("pointerup", up);
        if (dragged) render("node:" + id);
      }
      g.addEventListener("pointermove", move);
      g.addEventListener("pointerup", up);
    });
  }

  // -- adding steps ---------------------------------------------------------------------------
  function newId(base) {
    // Whole words of the name, at most 16 characters (ids are short DNS labels).
    var words = String(base).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").split("-");
    var slug = "";
    for (var i = 0; i < words.length; i++) {
      var next = slug ? slug + "-" + words[i] : words[i];
      if (next.length > 16) break;
      slug = next;
    }
    slug = slug || words.join("-").slice(0, 16).replace(/-+$/, "") || "step";
    var id = slug, n = 2;
    while (find(id)) { id = slug + "-" + n; n++; }
    return id;
  }
  function addStep(kind, name, title, at) {
    var id = newId(kind === "join" ? (name === "majority_vote" ? "vote" : name) : name);
    state.steps.push({ id: id, kind: kind, name: name, title: title, module: "", version: null, inputs: [] });
    if (at) moved[id] = { x: Math.max(0, at.x - MIN_W / 2), y: Math.max(0, at.y - NODE_H / 2) };
    writeBack(); render();
    announce("Added step " + id + " (" + title + "). It is in the graph after the other steps; press Enter on a step to connect it.");
    return id;
  }
  section.querySelectorAll("[data-palette] li[data-kind]").forEach(function (li) {
    li.addEventListener("dragstart", function (e) {
      e.dataTransfer.setData("text/plain", JSON.stringify({
        kind: li.getAttribute("data-kind"), name: li.getAttribute("data-name"), title: li.getAttribute("data-title")
      }));
      e.dataTransfer.effectAllowed = "copy";
    });
    var button = li.querySelector("[data-add]");
    if (button) button.addEventListener("click", function () {
      addStep(li.getAttribute("data-kind"), li.getAttribute("data-name"), li.getAttribute("data-title"));
    });
  });
  svg.addEventListener("dragover", function (e) { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; });
  svg.addEventListener("drop", function (e) {
    e.preventDefault();
    var data;
    try { data = JSON.parse(e.dataTransfer.getData("text/plain")); } catch (err) { return; }
    if (!data || !data.kind) return;
    addStep(data.kind, data.name, data.title, svgPoint(e));
  });
  svg.addEventListener("click", function () { if (pendingSource) { pendingSource = null; render(); } });
  var filter = section.querySelector("[data-palette-filter]");
  var filterCount = section.querySelector("[data-palette-count]");
  function visibleModules() {
    return Array.prototype.filter.call(
      section.querySelectorAll('[data-palette="modules"] li[data-kind]'), function (li) { return !li.hidden; });
  }
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      section.querySelectorAll('[data-palette="modules"] li[data-kind]').forEach(function (li) {
        var text = (li.getAttribute("data-title") + " " + li.getAttribute("data-name")).toLowerCase();
        li.hidden = Boolean(q) && text.indexOf(q) === -1;
      });
      var n = visibleModules().length;
      if (filterCount) filterCount.textContent = q ? n + " module" + (n === 1 ? "" : "s") + " match." : "";
    });
    // Enter adds the first module that matches: find and add without tabbing through the list.
    filter.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      e.preventDefault();
      var first = visibleModules()[0];
      if (!first) { announce("No module matches “" + filter.value + "”."); return; }
      addStep("module", first.getAttribute("data-name"), first.getAttribute("data-title"));
    });
  }
  var tidy = section.querySelector("[data-tidy]");
  if (tidy) tidy.addEventListener("click", function () {
    moved = {};
    render();
    announce("Steps laid out again.");
  });

  // -- the textarea drives the canvas too -----------------------------------------------------
  function loadFromText() {
    try {
      fromDocument(parseYaml(textarea.value));
      if (!inSync) announce("");
      inSync = true;
      render();
    } catch (err) {
      inSync = false;
      announce("The canvas cannot show this YAML (" + err.message + "); keep editing it in the form, the server will check it on save.");
    }
  }
  var timer = null;
  textarea.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(loadFromText, 300);
  });
  loadFromText();
  window.pipelineEditor = { state: state, inSync: function () { return inSync; } };
})();
