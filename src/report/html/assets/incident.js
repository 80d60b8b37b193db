/* The incident report: click a node of the picture to see its facts, its chain from the stolen
   artefact, its window and the controls that held; tick runbook steps (kept in local storage). */
(function () {
  var view = heir.island('heir-view');
  if (!view) return;
  var el = heir.el;
  var panel = document.getElementById('node-panel');
  var selected = null;

  function fact(dl, name, value) {
    if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) return;
    dl.appendChild(el('dt', null, name));
    dl.appendChild(el('dd', null, Array.isArray(value) ? value.join(', ') : value));
  }

  function mark(hid) {
    var marked = document.querySelectorAll('#picture g.node.selected, #picture g.node.on-chain');
    for (var i = 0; i < marked.length; i++) marked[i].classList.remove('selected', 'on-chain');
    var n = view.nodes[hid];
    (n.chain || []).forEach(function (hop) {
      var g = hop.hid && document.getElementById(hop.hid);
      if (g) g.classList.add('on-chain');
    });
    var g = document.getElementById(hid);
    if (g) g.classList.add('selected');
  }

  function show(hid) {
    var n = view.nodes[hid];
    if (!n || !panel) return;
    selected = hid;
    panel.replaceChildren();
    var close = el('button', 'close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.addEventListener('click', function () { panel.hidden = true; });
    panel.appendChild(close);
    panel.appendChild(el('h3', null, n.name));
    var dl = el('dl', 'facts');
    fact(dl, 'id', n.id);
    fact(dl, 'kind', n.kind);
    fact(dl, 'platform', n.platform);
    fact(dl, 'criticality', n.criticality);
    fact(dl, 'person', n.person);
    fact(dl, 'status', n.status);
    fact(dl, 'window', n.window);
    fact(dl, 'issued', n.issued_at);
    fact(dl, 'expires', n.expires_at);
    fact(dl, 'last used', n.last_used_at);
    fact(dl, 'revocation', n.revocation);
    fact(dl, 'tags', n.tags);
    fact(dl, 'scopes', n.scopes);
    panel.appendChild(dl);
    if (n.chain && n.chain.length) {
      panel.appendChild(el('h4', null, 'Chain from the stolen artefact'));
      var ol = el('ol', 'chain');
      ol.id = 'panel-chain';
      n.chain.forEach(function (hop) {
        var li = el('li');
        if (hop.via) li.appendChild(el('span', 'via', '—' + hop.via + '→ '));
        li.appendChild(el('span', 'mono', hop.id));
        if (hop.name && hop.name !== hop.id) li.appendChild(el('span', null, ' (' + hop.name + ')'));
        ol.appendChild(li);
      });
      panel.appendChild(ol);
    }
    panel.appendChild(el('h4', null, 'Controls that held on the way'));
    if (n.held && n.held.length) {
      var ul = el('ul', 'held');
      n.held.forEach(function (h) {
        ul.appendChild(el('li', null, h.by + ': ' + h.from + ' —' + h.kind + '→ ' + h.to));
      });
      panel.appendChild(ul);
    } else {
      panel.appendChild(el('p', 'small', 'None: nothing refused the attacker along this chain.'));
    }
    panel.hidden = false;
    mark(hid);
  }

  var groups = document.querySelectorAll('#picture g.node');
  for (var i = 0; i < groups.length; i++) {
    (function (g) {
      if (!view.nodes[g.id]) return;
      g.classList.add('clickable');
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.addEventListener('click', function () { show(g.id); });
      g.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(g.id); }
      });
    })(groups[i]);
  }
  var buttons = document.querySelectorAll('button[data-node]');
  for (var b = 0; b < buttons.length; b++) {
    buttons[b].addEventListener('click', function (e) {
      var hid = e.currentTarget.getAttribute('data-node');
      show(hid);
      var g = document.getElementById(hid);
      if (g && g.scrollIntoView) g.scrollIntoView({ block: 'center' });
    });
  }

  /* Fit to the page's width (the default: the whole radius at a glance) or Graphviz's own size
     (readable labels, scrolled), by setting the SVG's width from its viewBox. */
  var zoom = document.getElementById('zoom');
  var figure = document.getElementById('figure');
  var svg = figure && figure.querySelector('svg');
  if (zoom && svg && svg.viewBox && svg.viewBox.baseVal) {
    zoom.addEventListener('click', function () {
      var actual = figure.classList.toggle('actual');
      svg.style.width = actual ? (svg.viewBox.baseVal.width * 4 / 3) + 'px' : '';
      zoom.textContent = actual ? 'Fit to width' : 'Actual size';
    });
  }

  /* The runbook: each tick is kept under this report's key and the step's. */
  var boxes = document.querySelectorAll('input[data-step]');
  var progress = document.getElementById('runbook-progress');
  function count() {
    var done = 0;
    for (var i = 0; i < boxes.length; i++) {
      var li = boxes[i].closest('li');
      if (li) li.classList.toggle('done', boxes[i].checked);
      if (boxes[i].checked) done++;
    }
    if (progress) progress.textContent = done + ' of ' + boxes.length + ' steps done';
  }
  for (var k = 0; k < boxes.length; k++) {
    (function (box) {
      var key = 'heir:' + view.key + ':' + box.getAttribute('data-step');
      box.checked = heir.load(key) === '1';
      box.addEventListener('change', function () {
        heir.save(key, box.checked ? '1' : null);
        count();
      });
    })(boxes[k]);
  }
  count();
  window.heirReport = { show: show, selected: function () { return selected; } };
})();
