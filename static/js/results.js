/* The public results page's helpers; the page works without them (links and a GET form).
 * - Choosing a kind or district shows the filtered page at once (no "Show" click needed).
 * - "By score" / "by name" reorders the tables in place, as the server would, and keeps the
 *   address in step so a shared link shows the same order.
 */
(function () {
  "use strict";

  function rankOf(row) {
    var rank = row.getAttribute("data-rank");
    return rank === "" || rank === null ? Infinity : Number(rank);
  }

  function byName(a, b) {
    return a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"), "zh-Hans-CN") ||
      a.getAttribute("data-code").localeCompare(b.getAttribute("data-code"));
  }

  // Ranked units first (by rank or by name), then those with too few ballots, by name.
  function compare(key) {
    return function (a, b) {
      var ra = rankOf(a), rb = rankOf(b);
      if ((ra === Infinity) !== (rb === Infinity)) return ra === Infinity ? 1 : -1;
      if (key === "name" || ra === Infinity) return byName(a, b);
      return ra - rb || byName(a, b);
    };
  }

  function sortTables(key) {
    document.querySelectorAll("table.sortable tbody").forEach(function (body) {
      var rows = Array.prototype.filter.call(body.rows, function (row) { return row.hasAttribute("data-code"); });
      rows.sort(compare(key)).forEach(function (row) { body.appendChild(row); });
    });
    document.querySelectorAll("table.sortable th[data-sort-key]").forEach(function (th) {
      var active = (th.getAttribute("data-sort-key") === "rank") === (key === "score");
      if (active) th.setAttribute("aria-sort", "ascending"); else th.removeAttribute("aria-sort");
    });
  }

  function markCurrent(links, key) {
    links.querySelectorAll("[data-sort]").forEach(function (el) {
      if (el.getAttribute("data-sort") === key) el.setAttribute("aria-current", "true");
      else el.removeAttribute("aria-current");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("results-filter");
    if (form) {
      form.querySelectorAll("select[name=kind], select[name=district]").forEach(function (select) {
        select.addEventListener("change", function () { form.submit(); });
      });
    }
    var links = document.querySelector(".sort-links");
    if (!links) return;
    // Every order becomes a link (the server marks the current one as plain text).
    links.querySelectorAll("strong[aria-current]").forEach(function (strong) {
      var key = new URLSearchParams(window.location.search).get("sort") || "score";
      var link = document.createElement("a");
      link.href = "?" + new URLSearchParams(Object.assign(
        Object.fromEntries(new URLSearchParams(window.location.search)), {sort: key})).toString();
      link.setAttribute("data-sort", key);
      link.textContent = strong.textContent;
      strong.replaceWith(link);
    });
    markCurrent(links, new URLSearchParams(window.location.search).get("sort") || "score");
    links.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-sort]");
      if (!link) return;
      event.preventDefault();
      var key = link.getAttribute("data-sort");
      sortTables(key);
      markCurrent(links, key);
      var sortSelect = form && form.querySelector("select[name=sort]");
      if (sortSelect) sortSelect.value = key;
      window.history.replaceState(null, "", link.getAttribute("href"));
    });
  });
})();
