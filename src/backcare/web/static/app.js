// backcare: what every page shares. No framework; htmx does the live updates.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) { event.detail.headers["X-CSRF-Token"] = csrf.content; }
  });

  // A session that ended answers htmx with 401. A page with typing in progress keeps it
  // (its autosave explains and offers to sign in); any other page goes to the login.
  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status !== 401) { return; }
    if (document.querySelector("form[data-autosave]")) {
      document.dispatchEvent(new CustomEvent("backcare:session-ended"));
    } else {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
    }
  });

  // Irreversible actions (signing a note, discarding a draft) ask first.
  document.addEventListener("click", function (event) {
    const asking = event.target.closest("button[data-confirm-message]");
    if (asking && !window.confirm(asking.dataset.confirmMessage)) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.confirmMessage && !window.confirm(form.dataset.confirmMessage)) { event.preventDefault(); }
    // Signing out forgets any typing this tab was keeping for the session.
    if (form.getAttribute("action") === "/logout") { try { window.sessionStorage.clear(); } catch (e) { /* storage off */ } }
  }, true);

  // A text box prints only what fits in it: print a copy of its whole text instead.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("textarea").forEach(function (box) {
      let copy = box.nextElementSibling;
      if (!copy || !copy.classList.contains("print-copy")) {
        copy = document.createElement("div");
        copy.className = "print-copy";
        box.insertAdjacentElement("afterend", copy);
      }
      copy.textContent = box.value;
    });
  });

  document.addEventListener("click", function (event) {
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      // Copy a link to paste into a message: the clipboard where the browser allows it, else a selection.
      const source = document.getElementById(copy.dataset.copy);
      const status = document.getElementById("copy-status");
      source.select();
      const done = function () { if (status) { status.textContent = "Copied: paste it into a message to the client."; } };
      if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(source.value).then(done, done); }
      else { document.execCommand("copy"); done(); }
    }
    if (event.target.closest("[data-print]")) { window.print(); }
    const move = event.target.closest("[data-move]");
    if (move) {
      // The handout's order: move an item up or down; the form sends the ticked items in this order.
      const item = move.closest("li");
      const sibling = move.dataset.move === "up" ? item.previousElementSibling : item.nextElementSibling;
      if (sibling) {
        if (move.dataset.move === "up") { item.parentNode.insertBefore(item, sibling); } else { item.parentNode.insertBefore(sibling, item); }
        move.focus();
      }
    }
  });
})();
