// Intake: policy lookup by number or company name. Refreshes the datalist as the operator types.
(function () {
  var input = document.getElementById("policy");
  var list = document.getElementById("policy-list");
  if (!input || !list) return;
  var timer = null, last = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q === last || q.length < 1) return;
      last = q;
      fetch(input.dataset.lookup + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          list.textContent = "";
          rows.forEach(function (p) {
            var o = document.createElement("option");
            o.value = p.policy_number;
            o.textContent = p.organization + " · " + p.plan;
            list.appendChild(o);
          });
        })
        .catch(function () { /* the static list stays */ });
    }, 150);
  });
})();
