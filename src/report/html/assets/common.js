/* heir reports: helpers shared by both pages. Everything from the data is put in the page as
   text (textContent), never as markup. */
'use strict';
var heir = (function () {
  /* Direction marks and overrides are shown as code points, as the server-side escaping does,
     so an id cannot reorder the text around it; other control characters are dropped. */
  function shown(s) {
    return String(s == null ? '' : s)
      .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g, function (c) {
        return '[U+' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + ']';
      })
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = shown(text);
    return e;
  }
  function island(id) {
    var e = document.getElementById(id);
    return e ? JSON.parse(e.textContent) : null;
  }
  /* Local storage can be refused (private windows, some file:// settings): the page still works,
     the ticks just do not survive. */
  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try {
      if (value == null) window.localStorage.removeItem(key); else window.localStorage.setItem(key, value);
    } catch (e) { /* not kept */ }
  }
  return { shown: shown, el: el, island: island, load: load, save: save };
})();
