// The top bar's case search: "/" focuses it from anywhere on the page except while typing in a field,
// as in most web tools; Escape leaves it.
(function () {
  var box = document.getElementById("case-search");
  if (!box) return;
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    box.focus();
    box.select();
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Escape") box.blur();
  });
})();
