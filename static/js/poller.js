/* One polling loop for the live pages (deployments, the federated panel, pipeline runs):
 * AIX.poll(url, options) fetches url as JSON, hands it to options.onData, and asks again
 * after options.interval ms, only while the page is visible (it asks at once when the page
 * comes back). options.onError(error) is told of a failed request, then it retries after
 * options.retry ms (default: the interval); options.delay is the first wait (default: the
 * interval). onData returning false stops the loop. options.as = "text" hands over the
 * body as text (a page to take fragments from) instead of JSON. Loaded before the scripts that use it
 * (defer keeps the order); no inline script (CSP). */
(function () {
  "use strict";

  function poll(url, options) {
    var interval = options.interval || 3000;
    var timer = null;
    var stopped = false;

    function schedule(delay) {
      clearTimeout(timer);
      if (!stopped && document.visibilityState !== "hidden") { timer = setTimeout(tick, delay); }
    }

    function tick() {
      clearTimeout(timer);
      var asText = options.as === "text";
      fetch(url, { headers: { "Accept": asText ? "text/html" : "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return asText ? response.text() : response.json();
        })
        .then(function (payload) { return options.onData(payload) === false ? null : interval; })
        .catch(function (error) {
          if (options.onError) { options.onError(error); }
          return options.retry || interval;
        })
        .then(function (delay) {
          if (delay === null) { stopped = true; } else { schedule(delay); }
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (stopped) { return; }
      if (document.visibilityState === "visible") { tick(); } else { clearTimeout(timer); }
    });
    schedule(options.delay === undefined ? interval : options.delay);
    return { stop: function () { stopped = true; clearTimeout(timer); } };
  }

  window.AIX = window.AIX || {};
  window.AIX.poll = poll;
})();
