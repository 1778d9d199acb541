// The staff dashboard reloads its figures (the #live part of the page) every
// data-refresh-seconds while the tab is visible: no full reload, so focus, scroll and open
// <details> elsewhere stay. Without JavaScript the page simply shows the figures as loaded.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh-seconds"), 10);
  if (!(seconds > 0)) { return; }
  document.documentElement.classList.add("js");

  function openDetails(root) {
    return Array.prototype.map.call(root.querySelectorAll("details"), function (d) { return d.open; });
  }

  function refresh() {
    if (document.hidden) { return; }
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (!fresh) { return; }
        var opened = openDetails(live);
        live.innerHTML = fresh.innerHTML;
        live.querySelectorAll("details").forEach(function (d, i) { if (opened[i]) { d.open = true; } });
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  window.setInterval(refresh, seconds * 1000);
}());
