/* The sprawl review: filter the findings by severity, OWASP entry and text. */
(function () {
  var form = document.getElementById('filters');
  if (!form) return;
  var rows = document.querySelectorAll('#findings-table tbody tr');
  var counter = document.getElementById('findings-shown');
  function apply() {
    var sev = {};
    var boxes = form.querySelectorAll('input[name=severity]');
    for (var i = 0; i < boxes.length; i++) sev[boxes[i].value] = boxes[i].checked;
    var owasp = form.querySelector('select[name=owasp]').value;
    var text = form.querySelector('input[name=q]').value.trim().toLowerCase();
    var shown = 0;
    for (var r = 0; r < rows.length; r++) {
      var row = rows[r];
      var ok = sev[row.getAttribute('data-severity')] !== false &&
        (owasp === '' || row.getAttribute('data-owasp') === owasp) &&
        (text === '' || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.hidden = !ok;
      if (ok) shown++;
    }
    if (counter) counter.textContent = shown + ' of ' + rows.length + ' findings shown';
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  apply();
})();
