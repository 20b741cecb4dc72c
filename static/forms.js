// Date and time fields are text, so that people can type 2026/11/28 14:01 or 2026年11月28日 14時01分; the
// calendar button beside each opens the browser's own picker and writes its choice in that format.
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("button[data-picker]").forEach(function (button) {
    var field = button.previousElementSibling;
    var picker = document.createElement("input");
    picker.type = button.getAttribute("data-picker");
    if (!field || picker.type !== button.getAttribute("data-picker") || !picker.showPicker) return;
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    picker.className = "picker-input";
    button.after(picker);
    button.hidden = false;
    button.addEventListener("click", function () {
      var m = field.value.match(/^(\d{4})\D(\d{1,2})\D(\d{1,2})(?:\D+(\d{1,2})\D(\d{1,2}))?/);
      if (m) {
        var day = m[1] + "-" + pad(+m[2]) + "-" + pad(+m[3]);
        picker.value = picker.type === "date" ? day : day + "T" + pad(+(m[4] || 0)) + ":" + pad(+(m[5] || 0));
      }
      try { picker.showPicker(); } catch (e) { picker.focus(); }
    });
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      field.value = picker.value.replace(/-/g, "/").replace("T", " ");
      field.dispatchEvent(new Event("input", {bubbles: true}));
    });
  });
})();

// A choice that reloads its form at once (e.g. the capability that ranks vendors); the form's own button does the
// same without JavaScript.
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
