/* The visual pipeline editor: a progressive layer over the YAML form.
 *
 * Without JavaScript the form (title, description, YAML) is the whole editor. With it, the
 * canvas shows the same definition as a graph: drag modules and joins from the palette (or
 * press Add), connect an output port (right) to an input port (left), drag steps around,
 * remove with the × button or the Delete key. Every change rewrites the YAML textarea; typing
 * in the textarea redraws the canvas. The server validates on save and names the step of
 * every problem. Plain JS and SVG, no dependency, no build step.
 */
(function () {
  "use strict";
  var section = document.getElementById("visual-editor");
  var form = document.querySelector("[data-pipeline-form]");
  if (!section || !form) return;
  var textarea = form.querySelector("textarea[name=definition]");
  var svg = section.querySelector("[data-canvas]");
  var status = section.querySelector("[data-editor-status]");
  var NS = "http://www.w3.org/2000/svg";
  var W = 160, H = 56;
  var state = { inputType: "Image", steps: [] }; // steps: {id, kind, name, title, version, inputs, x, y}
  var positions = {};
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

  // -- layout ---------------------------------------------------------------------------------
  function levels() {
    var byId = {}, level = {};
    state.steps.forEach(function (s) { byId[s.id] = s; });
    function depth(id, seen) {
      if (level[id] !== undefined) return level[id];
      if (seen[id] || !byId[id]) return 0; // a cycle or an unknown id: the server will say so
      seen[id] = true;
      var d = 0;
      byId[id].inputs.forEach(function (i) { d = Math.max(d, depth(i, seen) + 1); });
      level[id] = d;
      return d;
    }
    state.steps.forEach(function (s) { depth(s.id, {}); });
    return level;
  }
  function place() {
    var level = levels(), rows = {};
    state.steps.forEach(function (s) {
      if (positions[s.id]) return;
      var l = level[s.id] || 0;
      rows[l] = (rows[l] || 0);
      while (taken(40 + l * 220, 30 + rows[l] * 90)) rows[l]++;
      positions[s.id] = { x: 40 + l * 220, y: 30 + rows[l] * 90 };
      rows[l]++;
    });
  }
  function taken(x, y) {
    return Object.keys(positions).some(function (k) {
      return Math.abs(positions[k].x - x) < 20 && Math.abs(positions[k].y - y) < 20;
    });
  }

  // -- drawing --------------------------------------------------------------------------------
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function render() {
    place();
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var height = 420;
    state.steps.forEach(function (s) { height = Math.max(height, positions[s.id].y + H + 30); });
    svg.setAttribute("viewBox", "0 0 900 " + height);
    svg.setAttribute("height", height);
    var byId = {};
    state.steps.forEach(function (s) { byId[s.id] = s; });
    state.steps.forEach(function (s) {
      s.inputs.forEach(function (src) {
        if (!byId[src]) return;
        var a = positions[src], b = positions[s.id];
        var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
        var path = el("path", {
          d: "M" + x1 + "," + y1 + " C" + (x1 + 60) + "," + y1 + " " + (x2 - 60) + "," + y2 + " " + x2 + "," + y2,
          "class": "pipeline-edge", "data-edge": src + "->" + s.id
        }, svg);
        path.addEventListener("click", function () {
          s.inputs = s.inputs.filter(function (i) { return i !== src; });
          writeBack(); render();
          announce("Removed the connection " + src + " → " + s.id + ".");
        });
      });
    });
    state.steps.forEach(function (s) {
      var p = positions[s.id];
      var g = el("g", {
        "class": "pipeline-node pipeline-node-" + s.kind + (selected === s.id ? " is-selected" : ""),
        transform: "translate(" + p.x + "," + p.y + ")", tabindex: "0", role: "group",
        "data-node": s.id, "aria-label": "Step " + s.id + ": " + s.kind + " " + s.name
      }, svg);
      el("rect", { width: W, height: H, rx: 8 }, g);
      var title = el("text", { x: 10, y: 22, "class": "pipeline-node-title" }, g);
      title.textContent = (s.title || s.name).slice(0, 22);
      var sub = el("text", { x: 10, y: 42, "class": "pipeline-node-id" }, g);
      sub.textContent = s.id + " · " + (s.kind === "join" ? s.name : s.kind);
      var close = el("text", { x: W - 16, y: 16, "class": "pipeline-node-remove", "data-remove": s.id }, g);
      close.textContent = "×";
      close.addEventListener("click", function (e) { e.stopPropagation(); removeStep(s.id); });
      var inPort = el("circle", {
        cx: 0, cy: H / 2, r: 8, "class": "pipeline-port pipeline-port-in", tabindex: "0",
        role: "button", "aria-label": "Input of " + s.id, "data-port-in": s.id
      }, g);
      var outPort = el("circle", {
        cx: W, cy: H / 2, r: 8, "class": "pipeline-port pipeline-port-out" + (pendingSource === s.id ? " is-pending" : ""),
        tabindex: "0", role: "button", "aria-label": "Output of " + s.id, "data-port-out": s.id
      }, g);
      activate(outPort, function () {
        pendingSource = s.id; render();
        announce("Now choose the input port of the step that reads " + s.id + ".");
      });
      activate(inPort, function () { connect(pendingSource, s.id); });
      g.addEventListener("keydown", function (e) {
        if ((e.key === "Delete" || e.key === "Backspace") && e.target === g) { e.preventDefault(); removeStep(s.id); }
      });
      g.addEventListener("focus", function () { selected = s.id; });
      dragNode(g, s.id);
    });
  }
  function activate(node, fn) {
    node.addEventListener("click", function (e) { e.stopPropagation(); fn(); });
    node.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); fn(); }
    });
  }
  function connect(source, target) {
    if (!source) { announce("First choose an output port."); return; }
    pendingSource = null;
    var step = find(target);
    if (source === target || !step) { render(); return; }
    if (step.inputs.indexOf(source) === -1) {
      if (step.kind !== "join") step.inputs = [source]; // a module reads one input
      else step.inputs.push(source);
    }
    writeBack(); render();
    announce("Connected " + source + " → " + target + ".");
  }
  function find(id) { return state.steps.filter(function (s) { return s.id === id; })[0]; }
  function removeStep(id) {
    state.steps = state.steps.filter(function (s) { return s.id !== id; });
    state.steps.forEach(function (s) { s.inputs = s.inputs.filter(function (i) { return i !== id; }); });
    delete positions[id];
    writeBack(); render();
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
      var start = svgPoint(e), origin = { x: positions[id].x, y: positions[id].y };
      g.setPointerCapture(e.pointerId);
      function move(ev) {
        var p = svgPoint(ev);
        positions[id] = { x: Math.max(0, origin.x + p.x - start.x), y: Math.max(0, origin.y + p.y - start.y) };
        g.setAttribute("transform", "translate(" + positions[id].x + "," + positions[id].y + ")");
      }
      function up() {
        g.removeEventListener("pointermove", move);
        g.removeEventListener("pointerup", up);
        render();
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
    if (at) positions[id] = { x: Math.max(0, at.x - W / 2), y: Math.max(0, at.y - H / 2) };
    writeBack(); render();
    announce("Added step " + id + ".");
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
  if (filter) filter.addEventListener("input", function () {
    var q = filter.value.toLowerCase();
    section.querySelectorAll('[data-palette="modules"] li').forEach(function (li) {
      li.hidden = q && (li.textContent + " " + li.getAttribute("data-name")).toLowerCase().indexOf(q) === -1;
    });
  });

  // -- the textarea drives the canvas too -----------------------------------------------------
  function loadFromText() {
    try {
      fromDocument(parseYaml(textarea.value));
      inSync = true;
      announce("");
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
