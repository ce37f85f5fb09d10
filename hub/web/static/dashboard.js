// The dashboard's only script, served by the hub. The office page listens to server-sent
// events and, on every update, fetches what changed in its live part (a patch of lines,
// hub/web/patches.py) and changes the page in place; the browser reconnects by itself, and
// this script starts over when the hub answered with an error (e.g. while restarting).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  // A table wider than its box scrolls inside it: the keyboard must reach it too (tabindex),
  // and only then, so narrow tables add no stop to the Tab key's path.
  function reachable() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); }
      else { box.removeAttribute("tabindex"); }
    });
  }
  window.hailongReachable = reachable;
  document.addEventListener("DOMContentLoaded", reachable);
  window.addEventListener("resize", reachable);
  // A form that undoes something (a survey import) asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  });
  // A printed page shows the figures behind each chart, not a closed "details" line.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  // An alert's forms (acknowledge, close) are sent in the background when scripts run: the
  // page stays where it is and shows the outcome; the live stream then redraws the alert on
  // every open page, this one included. Without scripts they are plain POSTs and a redirect.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form.alert-form");
    if (!form || event.defaultPrevented) { return; }
    event.preventDefault();
    var told = document.getElementById("alert-outcome-live");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (reply) {
        if (reply.status === 401 || reply.redirected) { form.submit(); return null; }
        return reply.json().then(function (answer) {
          if (told) {
            told.textContent = answer.message;
            told.className = "message " + (reply.ok ? "message-info" : "message-error");
            told.hidden = false;
          }
          if (reply.ok) { form.reset(); }
        });
      })
      .catch(function () { form.submit(); });  // the hub answers the plain form instead
  });
  var root = document.getElementById("live");
  if (!root) { return; }
  var status = document.getElementById("live-status");
  var announce = document.getElementById("live-announce");
  var source = null, delay = 1000, busy = false, again = false;
  // The live part as the page holds it (its lines and version), for the hub's patches.
  var lines = null, version = "";
  var announced = 0;

  function show(live) {  // changed only when it changes: the status is read out (aria-live)
    var text = live ? status.dataset.live : status.dataset.lost;
    status.dataset.state = live ? "live" : "lost";
    if (status.textContent !== text) { status.textContent = text; }
  }

  // Makes `from` (in the page) look like `to` (just parsed), keeping every node that stays:
  // open details stay open, focus and the scroll position stay put.
  function morph(from, to) {
    if (from.nodeType !== to.nodeType || from.nodeName !== to.nodeName) {
      from.parentNode.replaceChild(document.importNode(to, true), from);
      return;
    }
    if (from.nodeType === Node.TEXT_NODE || from.nodeType === Node.COMMENT_NODE) {
      if (from.nodeValue !== to.nodeValue) { from.nodeValue = to.nodeValue; }
      return;
    }
    if (from.nodeType !== Node.ELEMENT_NODE) { return; }
    // "open" belongs to the reader (a details element opened or closed stays so), "tabindex"
    // of a scrolling box to reachable()
    var mineOnly = { open: true, tabindex: true };
    Array.prototype.slice.call(from.attributes).forEach(function (a) {
      if (!to.hasAttribute(a.name) && !mineOnly[a.name]) { from.removeAttribute(a.name); }
    });
    Array.prototype.slice.call(to.attributes).forEach(function (a) {
      if (!mineOnly[a.name] && from.getAttribute(a.name) !== a.value) {
        from.setAttribute(a.name, a.value);
      }
    });
    var mine = from.childNodes, theirs = to.childNodes, i;
    for (i = 0; i < theirs.length; i++) {
      if (i < mine.length) { morph(mine[i], theirs[i]); }
      else { from.appendChild(document.importNode(theirs[i], true)); }
    }
    while (mine.length > theirs.length) { from.removeChild(from.lastChild); }
  }

  function apply(answer) {
    if (answer.html !== undefined) { lines = answer.html.split("\n"); }
    else if (lines !== null) {
      for (var k = answer.patch.length - 1; k >= 0; k--) {
        var op = answer.patch[k];
        Array.prototype.splice.apply(lines, [op[0], op[1] - op[0]].concat(op[2]));
      }
    }
    version = answer.version;
    var parsed = document.createElement("template");
    parsed.innerHTML = lines.join("\n");
    var next = root.cloneNode(false);
    next.appendChild(parsed.content);
    morph(root, next);
    window.hailongReachable();
    tell();
  }

  // Screen readers hear the headline figures, politely and at most once a minute.
  function tell() {
    var now = Date.now();
    if (!announce || now - announced < 60000) { return; }
    var satisfied = document.getElementById("satisfied-today");
    var responses = document.getElementById("responses-today");
    if (!satisfied || !responses) { return; }
    announced = now;
    announce.textContent = announce.dataset.template
      .replace("{satisfied}", satisfied.textContent.trim())
      .replace("{responses}", responses.textContent.trim());
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    var fragment = root.dataset.fragment;
    var url = fragment + (fragment.indexOf("?") < 0 ? "?" : "&") + "since="
      + encodeURIComponent(lines === null ? "" : version);
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        if (reply.redirected || reply.status === 401) { window.location.reload(); return null; }
        return reply.ok ? reply.json() : null;
      })
      .then(function (answer) { if (answer) { apply(answer); } })
      .catch(function () { show(false); })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function connect() {
    source = new EventSource(root.dataset.events + "?brief=true");
    source.addEventListener("open", function () { delay = 1000; show(true); });
    // A rating, an alert opened, or a kiosk's status: what changed in the live part is fetched.
    ["scores", "alert", "kiosks"].forEach(function (name) {
      source.addEventListener(name, function () { show(true); refresh(); });
    });
    source.addEventListener("error", function () {
      show(false);
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      }
    });
  }

  connect();
  // Midnight and quiet hours: the page also refreshes itself once a minute.
  window.setInterval(refresh, 60000);
})();

// Tables with class "sortable": a header button sorts the rows by that column's data-value
// (numbers as numbers); a second click reverses the order.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("table.sortable th button[data-sort]");
    if (!button) { return; }
    var th = button.closest("th");
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > index; });
    var down = th.getAttribute("aria-sort") !== "descending";
    table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", down ? "descending" : "ascending");
    function value(row) {
      var text = row.cells[index].dataset.value || "";
      var number = parseFloat(text);
      return isNaN(number) ? text.toLowerCase() : number;
    }
    rows.sort(function (a, b) {
      var x = value(a), y = value(b);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return down ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
})();
