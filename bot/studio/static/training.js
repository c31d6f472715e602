// Staff studio, model page: while a training run goes, show its progress and log.
// Polls the run's status (JSON) every two seconds and reloads the page once the run ends,
// so the gate report and the Publish button appear. No third-party code.
(function () {
  "use strict";
  var section = document.getElementById("latest-run");
  if (!section || section.dataset.state !== "running") { return; }
  var bar = document.getElementById("run-progress");
  var percent = document.getElementById("run-percent");
  var stage = document.getElementById("run-stage");
  var log = document.getElementById("run-log");

  function show(status) {
    if (status.state !== "running") { window.location.reload(); return; }
    bar.value = status.progress;
    percent.textContent = Math.round(status.progress * 100) + "%";
    if (stage) { stage.textContent = status.stage_title; }
    var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = status.log;
    if (atEnd) { log.scrollTop = log.scrollHeight; }
  }

  function poll() {
    fetch(section.dataset.statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (status) { if (status) { show(status); } })
      .catch(function () { /* the web process restarted: try again */ })
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
