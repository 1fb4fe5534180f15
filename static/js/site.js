/* Progressive enhancement only: every page works without this file.
 * - Browse form: submit when a filter or the sort changes; leave empty fields out of the URL.
 * - [data-copy="#id"] buttons copy that element's text. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="checkbox"], select')) {
        submitClean(form);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submitClean(form);
    });
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
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });
})();
