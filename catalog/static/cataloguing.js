/* Cataloguing workbench: progressive enhancement only; every page works without it.
   - authority autocomplete on inputs with data-suggest (fills the "Authority №" input next to it);
   - "add row" for the repeated rows of the guided form (the server adds blank rows too). */
(function () {
  "use strict";
  var base = document.documentElement.getAttribute("data-cataloguing-base") || "/cataloguing";

  function authInput(input) {
    return document.getElementById(input.id.replace(/-(heading|text)$/, "-auth"));
  }
  function kindOf(input) {
    if (input.getAttribute("data-suggest") === "personal") return "personal";
    var select = document.getElementById(input.id.replace(/-heading$/, "-kind"));
    return select ? select.value : "";
  }
  function attach(input) {
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.id = input.id + "-suggestions";
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { fetchSuggestions(input, list); }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden && list.firstChild) { e.preventDefault(); list.firstChild.focus(); }
      if (e.key === "Escape") { list.hidden = true; }
    });
  }
  function fetchSuggestions(input, list) {
    var q = input.value.trim();
    var kind = kindOf(input);
    if (q.length < 2 || kind === "keyword") { list.hidden = true; return; }
    fetch(base + "/authorities/suggest?q=" + encodeURIComponent(q) + "&kind=" + encodeURIComponent(kind),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        list.innerHTML = "";
        items.forEach(function (item) {
          var li = document.createElement("li");
          li.textContent = item.heading + " (№ " + item.id + ")";
          li.tabIndex = 0;
          li.setAttribute("role", "option");
          function choose() {
            input.value = item.heading;
            var auth = authInput(input);
            if (auth) auth.value = item.id;
            list.hidden = true;
            input.focus();
          }
          li.addEventListener("click", choose);
          li.addEventListener("keydown", function (e) {
            if (e.key === "Enter") { e.preventDefault(); choose(); }
            if (e.key === "ArrowDown" && li.nextSibling) { e.preventDefault(); li.nextSibling.focus(); }
            if (e.key === "ArrowUp") { e.preventDefault(); (li.previousSibling || input).focus(); }
            if (e.key === "Escape") { list.hidden = true; input.focus(); }
          });
          list.appendChild(li);
        });
        list.hidden = items.length === 0;
      })
      .catch(function () { list.hidden = true; });
  }
  function addRowButton(container) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary add-row";
    button.textContent = container.getAttribute("data-add-label") || "+";
    button.addEventListener("click", function () {
      var rows = container.querySelectorAll(".row");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var n = rows.length;
      copy.querySelectorAll("input, select, label").forEach(function (el) {
        ["id", "name", "for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/-(\d+)-/, "-" + n + "-"));
        });
        if (el.tagName === "INPUT") el.value = "";
      });
      copy.querySelectorAll(".suggestions").forEach(function (el) { el.remove(); });
      container.appendChild(copy);
      copy.querySelectorAll("[data-suggest]").forEach(attach);
      copy.querySelector("input").focus();
    });
    container.parentNode.insertBefore(button, container.nextSibling);
  }
  document.querySelectorAll("[data-suggest]").forEach(attach);
  document.querySelectorAll(".rows[data-rows]").forEach(addRowButton);
})();
