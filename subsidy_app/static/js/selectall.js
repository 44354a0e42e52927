// "Select all on this page": a header checkbox [data-select-all="<name>"] ticks or clears
// every checkbox of that name in the table; it shows "some" (indeterminate) when only
// some are ticked. Without script the header box is hidden and each row is ticked by hand.
(function () {
  "use strict";
  document.querySelectorAll("input[type=checkbox][data-select-all]").forEach(function (all) {
    var table = all.closest("table");
    var boxes = table.querySelectorAll("tbody input[type=checkbox][name='" + all.dataset.selectAll + "']");
    if (!boxes.length) { return; }
    all.hidden = false;
    function reflect() {
      var ticked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      reflect();
    });
    boxes.forEach(function (b) { b.addEventListener("change", reflect); });
    reflect();
  });
})();
