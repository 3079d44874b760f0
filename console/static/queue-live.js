// The queue page keeps itself up to date: every few seconds it asks /queue/live for the tabs and the items (an
// answer of 304 when nothing changed), puts them in place, and says a new critical post out loud through the
// page's alert region. While a moderator has items ticked or is working in the list, it does not move the list
// under them: it offers "Show them" instead. Without JavaScript the page is the same, only not live.
(function () {
  "use strict";
  var box = document.getElementById("queue-live");
  var tabs = document.getElementById("queue-tabs");
  if (!box || !tabs || !window.fetch) { return; }
  var url = box.getAttribute("data-live");
  var version = box.getAttribute("data-version");
  var news = document.getElementById("queue-news");
  var polite = document.getElementById("queue-announce");
  var urgent = document.getElementById("queue-alert");
  var waiting = null;  // an update held back while the moderator works in the list
  var told = {};  // items already announced (an update held back is not announced twice)
  var EVERY = 4000;

  function rows(root) {
    var found = {};
    root.querySelectorAll("[data-item]").forEach(function (row) {
      found[row.getAttribute("data-item")] = row;
    });
    return found;
  }

  function busy() {
    return box.querySelector("input[type=checkbox]:checked") !== null ||
      (box.contains(document.activeElement) && document.activeElement !== box &&
       !document.activeElement.matches("a, tr"));
  }

  function say(region, words) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = words; }, 50);
  }

  // What an update brings that the page does not show yet: new items, and how many of them are critical.
  function arrivals(update) {
    var incoming = document.createElement("div");
    incoming.innerHTML = update.items;
    var before = rows(box), after = rows(incoming), fresh = 0, critical = 0;
    Object.keys(after).forEach(function (id) {
      if (!before[id] && !told[id]) {
        told[id] = true;
        fresh += 1;
        if (after[id].getAttribute("data-priority") === "0") { critical += 1; }
      }
    });
    return {fresh: fresh, critical: critical};
  }

  // Said at once, whether or not the list moves: a critical post never waits for a moderator to look up.
  function announce(found) {
    if (found.critical) {
      say(urgent, found.critical === 1 ? "A new critical post is at the top of the queue." :
        found.critical + " new critical posts are at the top of the queue.");
    } else if (found.fresh) {
      say(polite, found.fresh === 1 ? "1 new item in the queue." : found.fresh + " new items in the queue.");
    }
  }

  function apply(update) {
    var selected = box.querySelector("tr.is-selected");
    var selectedId = selected ? selected.getAttribute("data-item") : null;
    tabs.innerHTML = update.tabs;
    box.innerHTML = update.items;
    version = update.version;
    waiting = null;
    news.hidden = true;
    var kept = selectedId ? box.querySelector('[data-item="' + selectedId + '"]') : null;
    if (kept) { kept.classList.add("is-selected"); }
    document.dispatchEvent(new CustomEvent("queue:updated"));
  }

  function poll() {
    if (document.hidden) { return; }
    window.fetch(url, {headers: {"Accept": "application/json", "If-None-Match": '"' + version + '"'},
                       credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.status !== 200) { return null; }
        return response.json();
      })
      .then(function (update) {
        if (!update || update.version === version) { return; }
        var found = arrivals(update);
        announce(found);
        if (busy()) {
          waiting = update;
          version = update.version;
          news.querySelector("span").textContent = found.critical ? "A new critical post has arrived." :
            "The queue has changed.";
          news.classList.toggle("notice--error", found.critical > 0);
          news.hidden = false;
        } else {
          apply(update);
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  news.querySelector("button").addEventListener("click", function () {
    if (waiting) { apply(waiting); }
  });
  window.setInterval(poll, EVERY);
  document.addEventListener("visibilitychange", poll);
}());
