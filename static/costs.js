// Cost form: show the explanation of the chosen category (the page works without it: all stay listed on error).
(function () {
  var select = document.getElementById("category");
  if (!select) return;
  function show() {
    document.querySelectorAll(".category-help .explain").forEach(function (p) {
      p.hidden = p.getAttribute("data-category") !== select.value;
    });
  }
  select.addEventListener("change", show);
  show();
})();
