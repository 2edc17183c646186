// policysim ui: the page works without this file. It only filters the listed actions as
// you type in the search field (the server filters too, on "Show actions").
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.querySelector(input.getAttribute("data-filter"));
    if (!list) { return; }
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach(function (item) {
        var box = item.querySelector("input");
        var name = box ? box.value.toLowerCase() : "";
        item.hidden = needle !== "" && name.indexOf(needle) === -1 && !(box && box.checked);
      });
    });
  });
  var results = document.getElementById("h-results");
  if (results) { results.focus(); }
});
