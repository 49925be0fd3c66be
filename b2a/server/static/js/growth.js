// Growth tags on public pages, only when the super admin enabled them (ids on this script tag).
(function () {
  "use strict";
  var tag = document.currentScript;
  var ga = tag.getAttribute("data-ga");
  var pixel = tag.getAttribute("data-pixel");
  if (ga) {
    window.dataLayer = window.dataLayer || [];
    window.gtag = function () { window.dataLayer.push(arguments); };
    window.gtag("js", new Date());
    window.gtag("config", ga);
  }
  if (pixel) {
    var fbq = function () {
      if (fbq.callMethod) { fbq.callMethod.apply(fbq, arguments); } else { fbq.queue.push(arguments); }
    };
    fbq.queue = [];
    fbq.loaded = true;
    fbq.version = "2.0";
    window.fbq = window._fbq = fbq;
    var script = document.createElement("script");
    script.async = true;
    script.src = "https://connect.facebook.net/en_US/fbevents.js";
    document.head.appendChild(script);
    fbq("init", pixel);
    fbq("track", "PageView");
  }
})();
