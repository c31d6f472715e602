// Staff studio, answer page: reading grade, problems and preview as you type.
// The server runs the same checks as on save (POST /staff/answers/check, JSON);
// the CSRF token travels in a header. No third-party code.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var text = document.getElementById("answer-text");
  var grade = document.getElementById("grade");
  var problems = document.getElementById("live-problems");
  var preview = document.getElementById("preview");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var sent = 0;

  function collect() {
    var sources = [];
    form.querySelectorAll("input[name=sources]:checked").forEach(function (box) { sources.push(box.value); });
    var buttons = [];
    form.querySelectorAll(".button-row").forEach(function (row) {
      var title = row.querySelector("input").value.trim();
      var target = row.querySelector("select").value;
      if (title && target) { buttons.push({ title: title }); }
    });
    return { name: form.dataset.name, text: text.value, sources: sources, buttons: buttons };
  }

  function show(result) {
    grade.textContent = result.grade.toFixed(1);
    problems.textContent = "";
    result.problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.dataset.code = problem.code;
      item.textContent = problem.message;
      problems.appendChild(item);
    });
    preview.innerHTML = result.preview; // server-rendered and escaped
  }

  function check() {
    var mine = ++sent;
    fetch(form.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(collect())
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (result) {
      if (result && mine === sent) { show(result); }
    }).catch(function () { /* offline: the save still checks everything */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  check();
})();
