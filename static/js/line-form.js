// Line of therapy form: choosing a catalog regimen fills the drug table with its drugs, and "Add a drug"
// adds rows. Without JavaScript the form still works: the "Fill the drugs" button asks the server instead.
(function () {
  "use strict";
  var dataNode = document.getElementById("regimen-drugs");
  if (!dataNode) { return; }
  var regimenDrugs = JSON.parse(dataNode.textContent);

  function rows(prefix) {
    return document.querySelectorAll('table[data-formset="' + prefix + '"] tbody tr.drug-row');
  }

  function addRow(prefix) {
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty-row");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    document.querySelector('table[data-formset="' + prefix + '"] tbody').insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = rows(prefix);
    return added[added.length - 1];
  }

  function fill(code) {
    var drugs = regimenDrugs[code];
    if (!drugs) { return; }
    var current = rows("drugs");
    current.forEach(function (row) {
      row.querySelector("select[data-drug-select]").value = "";
      row.querySelectorAll('input[type="date"]').forEach(function (input) { input.value = ""; });
      row.querySelector('input[type="checkbox"]').checked = false;
    });
    drugs.forEach(function (drugId, i) {
      var row = current[i] || addRow("drugs");
      row.querySelector("select[data-drug-select]").value = String(drugId);
    });
  }

  var picker = document.querySelector("select[data-regimen-picker]");
  if (picker) {
    picker.addEventListener("change", function () { fill(picker.value); });
  }
  document.querySelectorAll("[data-fill-button]").forEach(function (button) { button.classList.add("d-none"); });
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.classList.remove("d-none");
    button.addEventListener("click", function () { addRow(button.getAttribute("data-add-row")); });
  });
})();
