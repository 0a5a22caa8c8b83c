// marketdesk workspace: small enhancements only; every page works without this file.
(function () {
  "use strict";
  // The reply box: in internal-comment mode the parts that only a reply has are hidden.
  var form = document.getElementById("compose");
  if (!form) return;
  var replyOnly = form.querySelectorAll("[data-reply-only]");
  function sync() {
    var mode = form.querySelector("input[name=mode]:checked");
    var comment = mode && mode.value === "comment";
    for (var i = 0; i < replyOnly.length; i++) {
      replyOnly[i].hidden = comment;
      var controls = replyOnly[i].querySelectorAll("input");
      for (var j = 0; j < controls.length; j++) controls[j].disabled = comment;
    }
  }
  form.addEventListener("change", sync);
  sync();
})();
