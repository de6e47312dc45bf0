// Fitness step: each checklist adds up its ticked items; "Use this score" copies the total into its field.
// Without JavaScript the checklists still read as reference tables and the scores are typed by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-score-helper]").forEach(function (helper) {
    var output = helper.querySelector("[data-score-total]");
    var target = document.getElementById(helper.getAttribute("data-target"));
    function total() {
      var sum = 0;
      helper.querySelectorAll("input[type=checkbox][data-points]").forEach(function (box) {
        if (box.checked) { sum += parseInt(box.getAttribute("data-points"), 10); }
      });
      return sum;
    }
    helper.addEventListener("change", function () { output.textContent = String(total()); });
    helper.querySelector("[data-score-use]").addEventListener("click", function () {
      if (!target) { return; }
      target.value = String(total());
      target.dispatchEvent(new Event("change", { bubbles: true }));
      target.focus();
    });
  });
})();
