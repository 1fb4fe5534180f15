/* Progressive enhancement only: every page works without this file.
 * - Browse form: submit when a filter or the sort changes; leave empty fields out of the URL;
 *   the changed filter has the focus again on the new page.
 * - [data-copy="#id"] buttons copy that element's text.
 * - A box that scrolls sideways (code, a wide table, a graph) is keyboard-focusable, so it
 *   can be scrolled without a mouse (WCAG 2.1.1; axe's scrollable-region-focusable).
 * - A page answering a form shows its own address ([data-page-url]) in the address bar,
 *   and puts the keyboard on its answer: the first refused field, else [data-answer]. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.querySelector("form[data-autosubmit]");
  var REFOCUS = "aix-refocus";
  if (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="checkbox"], select')) {
        remember(target);
        submitClean(form);
      }
    });
    refocus(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitClean(form);
    });
  }

  // A filter ticked with the keyboard reloads the page: the same filter has the focus again
  // afterwards, rather than the top of the page (11 Tab presses away).
  function remember(control) {
    try {
      sessionStorage.setItem(REFOCUS, JSON.stringify(
        {path: window.location.pathname, name: control.name, value: control.value}));
    } catch (e) { /* storage off: focus starts at the top, as without this */ }
  }

  function refocus(theForm) {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(REFOCUS) || "null");
      sessionStorage.removeItem(REFOCUS);
    } catch (e) { return; }
    if (!saved || saved.path !== window.location.pathname) { return; }
    var match = Array.prototype.find.call(theForm.elements, function (control) {
      return control.name === saved.name &&
        (control.tagName === "SELECT" || control.value === saved.value);
    });
    if (match) { match.focus(); }
  }

  function submitClean(theForm) {
    var params = new URLSearchParams();
    new FormData(theForm).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "" &&
          !(key === "sort" && value === "relevance")) {
        params.append(key, value.trim());
      }
    });
    var query = params.toString();
    window.location.assign(window.location.pathname + (query ? "?" + query : ""));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      announceCopy(button.getAttribute("data-copy-label") || "Text");
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // A screen reader may not read a button's changed text: say it in one polite live region,
  // kept outside the parts that pollers replace.
  function announceCopy(what) {
    var region = document.getElementById("copy-status");
    if (!region) {
      region = document.createElement("p");
      region.id = "copy-status";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = "";
    setTimeout(function () { region.textContent = what + " copied to the clipboard."; }, 50);
  }

  var SCROLLERS = "pre, code, .table-scroll, .pipeline-canvas-wrap, .chart-figure, [data-scrollable]";
  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
        nameScroller(box);
        // A chart over time too wide for the screen opens at its newest end (the right).
        if (box.matches(".chart-figure") && !box.querySelector(".histogram")) {
          box.scrollLeft = box.scrollWidth;
        }
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
        if (box.hasAttribute("data-scroll-named")) {
          ["role", "aria-label", "data-scroll-named"].forEach(function (a) { box.removeAttribute(a); });
        }
      }
    });
  }
  // A box the keyboard stops on says what it holds: a region named by its table's caption
  // (or "Scrollable text" for code); a figure is named by its caption already.
  function nameScroller(box) {
    if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby") ||
        box.tagName === "FIGURE") { return; }
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", text ||
      (box.matches("pre, code") ? "Scrollable text" : "Scrollable content"));
    box.setAttribute("data-scroll-named", "");
  }
  focusableScrollers();
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(focusableScrollers, 150);
  });
  // A page drawn in answer to a form (Try it's result comes from /deployments/<id>/run/)
  // names the page it is: the address bar shows that one, so a reload or a bookmark opens
  // the page rather than resending the form or opening the form's address.
  var named = document.querySelector("[data-page-url]");
  if (named && window.history && history.replaceState) {
    var pageUrl = named.getAttribute("data-page-url");
    if (pageUrl && pageUrl !== window.location.pathname) {
      history.replaceState(null, "", pageUrl + window.location.hash);
    }
  }

  // Focus goes where the answer is, so a keyboard or screen-reader user goes on from there
  // rather than from the top of the page: the first field the form refused (Django marks
  // it aria-invalid and points it to its message), else what the page marks as the answer
  // (Try it's result, a form-wide error). After the load: going to the address's fragment
  // (#try) focuses its target, or the page when it is not focusable.
  var answer = document.querySelector('form [aria-invalid="true"]') ||
    document.querySelector("[data-answer]");
  if (answer) {
    window.addEventListener("load", function () {
      setTimeout(function () { answer.focus(); }, 0);
    });
  }

  window.AIX = window.AIX || {};
  window.AIX.focusableScrollers = focusableScrollers;
})();
