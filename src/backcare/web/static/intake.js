// The client's intake: an answer that points to an emergency shows what to do at once,
// before anything is sent.
(function () {
  "use strict";
  const warning = document.getElementById("emergency-now");
  if (!warning) { return; }
  function check() {
    const urgent = document.querySelectorAll("fieldset[data-emergency] input[value=yes]:checked").length > 0;
    const wasHidden = warning.hidden;
    warning.hidden = !urgent;
    if (urgent && wasHidden) { warning.scrollIntoView({ block: "center" }); }
  }
  document.addEventListener("change", check);
  check();
})();
