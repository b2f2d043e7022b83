// The console's only script: a part of a page marked data-refresh="N" reloads its contents
// every N seconds without reloading the page (the server answers X-Fragment: main with that
// part alone). A session that ended sends the whole page to the sign-in form.
(function () {
  "use strict";
  var live = document.querySelector("[data-refresh]");
  if (!live || !window.fetch) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh"), 10);
  if (!(seconds > 0)) { return; }
  function tick() {
    fetch(location.pathname + location.search, {
      headers: { "X-Fragment": "main" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        location.reload();
        return null;
      }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html) {
        live.innerHTML = html;
        live.setAttribute("data-refreshed", String(Date.now()));
      }
    }).catch(function () {
      // the server is unreachable for now: try again at the next tick
    }).then(function () {
      setTimeout(tick, seconds * 1000);
    });
  }
  setTimeout(tick, seconds * 1000);
}());
