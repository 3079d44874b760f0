// Counts down each item's response deadline every 30 seconds and marks it red once it has passed.
(function () {
  "use strict";
  function update() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (badge) {
      var left = Date.parse(badge.getAttribute("data-deadline")) - now;
      badge.textContent = left >= 0 ? "due in " + Math.floor(left / 60000) + " min" :
        "overdue by " + Math.floor(-left / 60000) + " min";
      badge.classList.toggle("due--breached", left < 0);
    });
  }
  setInterval(update, 30000);
}());
