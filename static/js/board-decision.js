// Board decision form: show only the fields that apply to the chosen kind of decision (the regimen select for
// a catalog regimen, the name for another regimen or a trial). Without JavaScript every field shows and the
// server ignores the ones that do not apply.
(function () {
  "use strict";
  var form = document.querySelector("[data-decision-form]");
  if (!form) { return; }
  var radios = form.querySelectorAll('input[name="kind"]');
  var parts = form.querySelectorAll("[data-decision-kinds]");

  function update() {
    var chosen = form.querySelector('input[name="kind"]:checked');
    parts.forEach(function (part) {
      var kinds = part.getAttribute("data-decision-kinds").split(" ");
      part.hidden = !chosen || kinds.indexOf(chosen.value) === -1;
    });
  }

  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
