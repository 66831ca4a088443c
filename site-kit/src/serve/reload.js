// Live reload for `site-kit serve` only: an external file so that a strict Content-Security-Policy still allows it.
(function () {
  var source = new EventSource("/__site-kit/events");
  source.addEventListener("reload", function () { window.location.reload(); });
})();
