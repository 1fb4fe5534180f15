/* The deploy form's privacy budget: recompute ε at δ on the server (budget.json, the same
 * accountant the server uses) whenever a federated option changes, so a data owner sees what
 * they agree to before launching. Progressive: without it the budget shown is the one of the
 * values last submitted. */
(function () {
  "use strict";
  var box = document.getElementById("fed-budget");
  if (!box || !window.fetch || !window.URLSearchParams) { return; }
  var form = box.closest("form");
  var target = box.querySelector("[data-fed-budget]");
  if (!form || !target) { return; }
  var timer = null;
  function refresh() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name.indexOf("flower_") !== 0) { return; }
      if (el.type === "checkbox") { if (el.checked) { params.set(el.name, "on"); } return; }
      params.set(el.name, el.value);
    });
    fetch(box.getAttribute("data-budget-url") + "?" + params.toString(), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data && typeof data.html === "string") { target.innerHTML = data.html; }
    }).catch(function () { /* keep the last figure */ });
  }
  form.addEventListener("input", function (event) {
    if (!event.target.name || event.target.name.indexOf("flower_") !== 0) { return; }
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" && event.target.name.indexOf("flower_") === 0) { refresh(); }
  });
})();
