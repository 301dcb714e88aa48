// The console's one script: a running bake's page follows it through server-sent events, and the
// fleet's table is fetched again every few seconds. Everything it shows was rendered (and escaped)
// by the server.
(function () {
  var live = document.querySelector('[data-live]');
  if (live && window.EventSource) {
    var source = new EventSource(live.getAttribute('data-live'));
    source.addEventListener('bake', function (e) {
      live.innerHTML = JSON.parse(e.data).html;
    });
    source.addEventListener('ended', function () {
      source.close();
      window.location.reload();
    });
  }
  var rows = document.querySelector('[data-refresh]');
  if (rows && window.fetch) {
    setInterval(function () {
      fetch(rows.getAttribute('data-refresh'), {credentials: 'same-origin'})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html) { rows.outerHTML = html; rows = document.querySelector('[data-refresh]'); } })
        .catch(function () {});
    }, 5000);
  }
})();
