/* The ballot page's helpers; the page works without them (a review page on the server).
 * - Enter never submits the ballot; submitting opens the review below the form first.
 * - "Clear" takes back a grade; the progress line follows every tap.
 * - A draft stays in this browser (localStorage) across an accidental reload, never on the server,
 *   and is removed once the ballot is in (the receipt page).
 */
(function () {
  "use strict";
  var DRAFT_PREFIX = "minping-draft:";

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }   // private modes may refuse it
  }

  function clearDrafts() {
    var store = storage();
    if (!store) return;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(DRAFT_PREFIX) === 0) store.removeItem(key);
    }
  }

  function ballotFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && (el.name.indexOf("q:") === 0 || el.name.indexOf("u:") === 0 || el.name.indexOf("c:") === 0);
    });
  }

  function snapshot(form) {
    var values = {};
    ballotFields(form).forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) (values[el.name] = values[el.name] || []).push(el.value);
      } else if (el.value) {
        values[el.name] = [el.value];
      }
    });
    return values;
  }

  function restore(form, values) {
    ballotFields(form).forEach(function (el) {
      var chosen = values[el.name] || [];
      if (el.type === "radio" || el.type === "checkbox") el.checked = chosen.indexOf(el.value) !== -1;
      else if (chosen.length) el.value = chosen[0];
    });
  }

  function mainChoice(unit) {
    var checked = unit.querySelector("fieldset[data-main] input:checked");
    return checked ? checked.closest("label") : null;
  }

  // A unit's 兑现情况 answers and its comment, as the review page on the server lists them.
  function unitDetails(unit) {
    var details = document.createElement("ul");
    details.className = "review-details";
    function add(text) {
      var item = document.createElement("li");
      item.textContent = text;
      details.appendChild(item);
    }
    unit.querySelectorAll(".unit-commitments fieldset").forEach(function (set) {
      var chosen = set.querySelector("input:checked");
      if (chosen) add(set.querySelector("legend").textContent.trim().replace(/\s+/g, " ") + "：" + chosen.closest("label").textContent.trim());
    });
    unit.querySelectorAll("textarea").forEach(function (box) {
      var label = unit.querySelector("label[for='" + CSS.escape(box.id) + "']");
      if (box.value.trim()) add((label ? label.textContent.trim() : "") + "：" + box.value.trim());
    });
    return details;
  }

  function isDontKnow(label) {
    return label.classList.contains("dont-know");
  }

  function countRated(form) {
    var rated = 0;
    form.querySelectorAll("fieldset.unit").forEach(function (unit) {
      var label = mainChoice(unit);
      if (label && !isDontKnow(label)) rated++;
    });
    return rated;
  }

  function setUp(form) {
    var text = JSON.parse(document.getElementById("review-text").textContent);
    var units = form.querySelectorAll("fieldset.unit");
    var ratedOut = document.querySelectorAll(".progress .rated");   // above the units and above the button
    var store = storage();
    var draftKey = DRAFT_PREFIX + form.dataset.draftKey;

    function update() {
      var rated = String(countRated(form));
      ratedOut.forEach(function (out) { out.textContent = rated; });
      form.querySelectorAll("button.clear").forEach(function (button) {
        button.hidden = !form.querySelector("input[name='" + CSS.escape(button.dataset.clear) + "']:checked");
      });
    }

    function saveDraft() {
      if (store) {
        try { store.setItem(draftKey, JSON.stringify(snapshot(form))); } catch (e) { /* full: no draft */ }
      }
    }

    // A fresh page takes the draft back; a page the server filled in (an error, "go back") keeps its own.
    var note = document.getElementById("draft-note");
    if (store && form.dataset.fresh === "1" && store.getItem(draftKey)) {
      try {
        restore(form, JSON.parse(store.getItem(draftKey)));
        note.hidden = false;
      } catch (e) { store.removeItem(draftKey); }
    }
    document.getElementById("draft-discard").addEventListener("click", function () {
      if (store) store.removeItem(draftKey);
      restore(form, {});
      note.hidden = true;
      update();
    });

    form.addEventListener("change", function () { update(); saveDraft(); });
    form.addEventListener("input", saveDraft);
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button.clear");
      if (!button) return;
      form.querySelectorAll("input[name='" + CSS.escape(button.dataset.clear) + "']").forEach(function (input) {
        input.checked = false;
      });
      update();
      saveDraft();
      var first = form.querySelector("input[name='" + CSS.escape(button.dataset.clear) + "']");
      if (first) first.focus();
    });

    // Enter submits nothing: in a text box it does nothing, in a text area it starts a new line.
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName !== "TEXTAREA" && event.target.tagName !== "BUTTON"
          && event.target.tagName !== "SUMMARY") {
        event.preventDefault();
      }
    });

    var panel = document.getElementById("review-panel");
    var step = form.querySelector("input[name='step']");
    form.addEventListener("submit", function (event) {
      if (step.value === "confirm") return;
      event.preventDefault();
      showReview();
    });

    function showReview() {
      var list = document.getElementById("review-list");
      var unknown = [];
      list.textContent = "";
      var rated = 0;
      units.forEach(function (unit) {
        var label = mainChoice(unit);
        var graded = label && !isDontKnow(label);
        var details = unitDetails(unit);
        if (label && !graded) unknown.push(unit.dataset.unit);
        if (!graded && !details.children.length) return;
        var item = document.createElement("li");
        var name = document.createElement("strong");
        name.textContent = unit.dataset.unit;
        item.appendChild(name);
        if (graded) {
          item.appendChild(document.createTextNode("：" + label.textContent.trim()));
          rated++;
        }
        if (details.children.length) item.appendChild(details);
        list.appendChild(item);
      });
      var title = document.getElementById("review-title");
      title.textContent = rated ? text.rated.replace("%(rated)s", rated).replace("%(total)s", units.length) : text.none;
      document.getElementById("review-unknown").textContent = unknown.length ? text.dont_know + "：" + unknown.join("、") : "";
      document.getElementById("review-confirm").hidden = rated === 0;
      form.hidden = true;
      panel.hidden = false;
      title.focus();
      window.scrollTo(0, 0);
    }

    document.getElementById("review-back").addEventListener("click", function () {
      panel.hidden = true;
      form.hidden = false;
      document.getElementById("review-button").focus();
    });
    document.getElementById("review-confirm").addEventListener("click", function () {
      step.value = "confirm";
      this.disabled = true;   // one tap, one ballot
      form.submit();
    });

    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-ballot-done]")) clearDrafts();
    var form = document.getElementById("ballot-form");
    if (form) setUp(form);
    var errors = document.getElementById("errors");
    if (errors) errors.focus();
  });
})();
