// Counts down each item's response deadline every 30 seconds and marks it red once it has passed.
(function () {
  "use strict";
  // The same words as console/words.py duration(): "45 min", "3 h 30 min", "4 days 2 h".
  function duration(minutes) {
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) { return days + (days === 1 ? " day" : " days") + (hours ? " " + hours + " h" : ""); }
    if (hours) { return hours + " h" + (mins ? " " + mins + " min" : ""); }
    return mins + " min";
  }
  function update() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (badge) {
      var left = Date.parse(badge.getAttribute("data-deadline")) - now;
      badge.textContent = left >= 0 ? "due in " + duration(Math.floor(left / 60000)) :
        "overdue by " + duration(Math.floor(-left / 60000));
      badge.classList.toggle("due--breached", left < 0);
    });
  }
  setInterval(update, 30000);
}());
