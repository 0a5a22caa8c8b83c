// marketdesk workspace: small enhancements only; every page works without this file.
(function () {
  "use strict";

  // The reply box: in internal-comment mode the parts that only a reply has are hidden.
  var form = document.getElementById("compose");
  function syncCompose() {
    var replyOnly = form.querySelectorAll("[data-reply-only]");
    var mode = form.querySelector("input[name=mode]:checked");
    var comment = mode && mode.value === "comment";
    for (var i = 0; i < replyOnly.length; i++) {
      replyOnly[i].hidden = comment;
      var controls = replyOnly[i].querySelectorAll("input");
      for (var j = 0; j < controls.length; j++) controls[j].disabled = comment;
    }
  }
  if (form) {
    form.addEventListener("change", syncCompose);
    syncCompose();
  }

  // The list: rows refreshed every few seconds, j/k/Enter, / and ?.
  var body = document.getElementById("ticket-rows");
  var keys = document.getElementById("keys");
  var selected = -1;

  function rows() {
    return body ? body.querySelectorAll("tr") : [];
  }
  function select(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    for (var i = 0; i < all.length; i++) all[i].classList.toggle("selected", i === index);
    selected = index;
    var link = all[index].querySelector("a");
    if (link) link.focus();
  }
  function selectedHref() {
    var row = rows()[selected];
    var link = row && row.querySelector("a");
    return link ? link.getAttribute("href") : null;
  }

  function refresh() {
    if (document.hidden || !body) return;
    var url = body.getAttribute("data-rows");
    if (!url) return;
    var keep = selectedHref();
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        // A redirect (the session ended) or a failure: keep what is shown.
        if (!answer.ok || answer.redirected) return null;
        return answer.text();
      })
      .then(function (html) {
        if (html === null || html === undefined) return;
        body.innerHTML = html;
        var empty = document.getElementById("no-tickets");
        if (empty) empty.hidden = rows().length > 0;
        if (keep) {
          var all = rows();
          for (var i = 0; i < all.length; i++) {
            var link = all[i].querySelector("a");
            if (link && link.getAttribute("href") === keep) {
              all[i].classList.add("selected");
              selected = i;
            }
          }
        }
      })
      .catch(function () {});
  }
  if (body) window.setInterval(refresh, 5000);

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  // Enter opens the selected row only while focus is on the list (or nowhere in particular).
  function inList() {
    var active = document.activeElement;
    return !active || active === document.body || body.contains(active);
  }
  function setMode(value) {
    if (!form) return false;
    var radio = form.querySelector("input[name=mode][value=" + value + "]");
    if (radio) {
      radio.checked = true;
      syncCompose();
    }
    var text = document.getElementById("text");
    if (text) text.focus();
    return !!text;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && keys && !keys.hidden) {
      keys.hidden = true;
      return;
    }
    if (typing(event.target)) return;
    var handled = true;
    if (body && event.key === "j") select(selected + 1);
    else if (body && event.key === "k") select(selected < 0 ? 0 : selected - 1);
    else if (body && event.key === "Enter" && selected >= 0 && selectedHref() && inList()) window.location.href = selectedHref();
    else if (event.key === "/" && document.getElementById("q")) document.getElementById("q").focus();
    else if (event.key === "?" && keys) keys.hidden = !keys.hidden;
    else if (event.key === "r") handled = setMode("reply");
    else if (event.key === "c") handled = setMode("comment");
    else handled = false;
    if (handled) event.preventDefault();
  });
})();
