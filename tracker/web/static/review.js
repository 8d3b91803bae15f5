// Keyboard shortcuts for the review page. Every action is still a plain form or link, so the
// page works without this script. Keys are ignored while typing in a field.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
                 t.isContentEditable);
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }

  function queuePage() {
    var items = Array.prototype.slice.call(document.querySelectorAll("#queue .item"));
    var current = 0;
    function select(index) {
      if (!items.length) { return; }
      items[current].classList.remove("current");
      current = Math.max(0, Math.min(items.length - 1, index));
      items[current].classList.add("current");
      items[current].scrollIntoView({block: "nearest"});
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
      else if ((event.key === "Enter" || event.key === "o") && items.length) {
        window.location.href = items[current].querySelector("a.title").href;
        event.preventDefault();
      }
    });
  }

  function paperPage() {
    var excluding = false;
    var excludeForm = document.getElementById("form-exclude");
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var key = event.key;
      if (excluding && /^[1-9]$/.test(key)) {
        var choice = excludeForm.querySelector('input[data-key="' + key + '"]');
        if (choice) { choice.checked = true; submit("form-exclude"); }
        event.preventDefault();
        return;
      }
      if (key === "Escape" && excluding) {
        excluding = false; excludeForm.classList.remove("active"); return;
      }
      if (key === "i") { submit("form-include"); }
      else if (key === "d") { submit("form-defer"); }
      else if (key === "u") { submit("form-undo"); }
      else if (key === "e") {
        excluding = true;
        excludeForm.classList.add("active");
        excludeForm.scrollIntoView({block: "nearest"});
      }
      else if (key === "j") { follow("next"); }
      else if (key === "k") { follow("prev"); }
      else { return; }
      event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var page = document.body.getAttribute("data-page");
    if (page === "queue") { queuePage(); }
    if (page === "paper") { paperPage(); }
  });
})();
