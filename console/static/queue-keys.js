// Keyboard work on the queue and on an item, as in the review queues moderators know: j/k to move, c to take,
// a to approve, h to hide with one of the service's reasons, e to escalate, ? for the list. Every one of these is
// also a button or a link that works without JavaScript; the keys only press them.
(function () {
  "use strict";
  var help = document.getElementById("keys-help");
  if (!help) { return; }
  var reasons = document.getElementById("hide-reasons");
  var reasonBox = document.getElementById("reason");
  var pending = null;  // the action Enter in the reason box sends ("escalated" after e)

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]") !== null;
  }

  function actionButton(value) {
    return document.querySelector('button[name=action][value="' + value + '"]');
  }

  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-live tr[data-item]"));
  }

  function choose(step) {
    var rows = queueRows();
    if (!rows.length) { return; }
    var at = rows.findIndex(function (row) { return row.classList.contains("is-selected"); });
    var next = rows[at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + step))];
    rows.forEach(function (row) { row.classList.remove("is-selected"); });
    next.classList.add("is-selected");
    var link = next.querySelector("a");
    if (link) { link.focus(); }
    next.scrollIntoView({block: "nearest"});
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // Take an item: the item page's own button, or on the queue the chosen row's item, by the same POST.
  function take() {
    var button = document.querySelector("form[action$='/claim'] button");
    if (button) { button.click(); return; }
    var row = document.querySelector("#queue-live tr.is-selected");
    if (!row) { return; }
    var form = document.createElement("form");
    form.method = "post";
    form.action = row.getAttribute("data-href") + "/claim";
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrfToken();
    form.appendChild(token);
    document.body.appendChild(form);
    form.submit();
  }

  function hide() {
    if (!actionButton("hidden") || !reasonBox) { return; }
    if (reasons && reasons.querySelector("[data-reason]")) {
      reasons.showModal();
    } else {
      pending = "hidden";
      reasonBox.focus();
    }
  }

  if (reasons) {
    reasons.addEventListener("click", function (event) {
      var choice = event.target.closest("[data-reason]");
      if (!choice) { return; }
      reasonBox.value = choice.getAttribute("data-reason");
      reasons.close();
      actionButton("hidden").click();
    });
    reasons.addEventListener("keydown", function (event) {
      var number = parseInt(event.key, 10);
      var choices = reasons.querySelectorAll("[data-reason]");
      if (number >= 1 && number <= choices.length) {
        event.preventDefault();
        choices[number - 1].click();
      }
    });
    reasons.addEventListener("close", function () {
      if (reasons.returnValue === "own") { pending = "hidden"; reasonBox.focus(); }
    });
  }

  if (reasonBox) {
    reasonBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && pending && actionButton(pending)) {
        event.preventDefault();
        actionButton(pending).click();
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target) ||
        document.querySelector("dialog[open]")) {
      return;
    }
    var keys = {
      "j": function () { choose(1); },
      "k": function () { choose(-1); },
      "c": take,
      "a": function () { var button = actionButton("approved"); if (button) { button.click(); } },
      "h": hide,
      "e": function () {
        if (actionButton("escalated") && reasonBox) { pending = "escalated"; reasonBox.focus(); }
      },
      "?": function () { help.showModal(); }
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  });
}());
