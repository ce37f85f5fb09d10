// The dashboard's only script, served by the hub. The office page listens to server-sent
// events and fetches its live part again on every update; the browser reconnects by itself,
// and this script starts over when the hub answered with an error (e.g. while restarting).
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
  // A printed page shows the figures behind each chart, not a closed "details" line.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });
  var root = document.getElementById("live");
  if (!root) { return; }
  var status = document.getElementById("live-status");
  var source = null, delay = 1000, busy = false, again = false;

  function show(live) {
    status.dataset.state = live ? "live" : "lost";
    status.textContent = live ? status.dataset.live : status.dataset.lost;
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(root.dataset.fragment, { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        if (reply.redirected || reply.status === 401) { window.location.reload(); return null; }
        return reply.ok ? reply.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== undefined) { root.innerHTML = html; window.hailongReachable(); }
      })
      .catch(function () { show(false); })
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }

  function connect() {
    source = new EventSource(root.dataset.events);
    source.addEventListener("open", function () { delay = 1000; show(true); });
    // A rating, an alert opened, or a kiosk's status: the live part is fetched again.
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
