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

  // The idle timeout the clinic set: two minutes before the session would end, a warning with one
  // button to stay signed in. Every answer from the server moves the deadline (the server writes it at
  // most once a minute, hence the slack).
  const idleMeta = document.querySelector('meta[name="session-idle-seconds"]');
  const idleBox = document.getElementById("idle-warning");
  if (idleMeta && idleBox) {
    const idle = parseInt(idleMeta.content, 10) * 1000;
    const slack = Math.min(60000, idle / 4), warnBefore = Math.min(120000, idle / 4);
    let deadline = 0, warnTimer = null, tick = null;
    const left = idleBox.querySelector("[data-idle-left]");
    function words(ms) {
      const minutes = Math.ceil(ms / 60000);
      return ms <= 0 ? "a moment" : minutes <= 1 ? "less than a minute" : minutes + " minutes";
    }
    function refreshWarning() {
      const remaining = deadline - Date.now();
      left.textContent = words(remaining);
      if (remaining <= 0) {
        window.clearInterval(tick);
        idleBox.querySelector("#idle-text").textContent = "Your session may have ended: anything you type in a visit is kept in this tab.";
        document.dispatchEvent(new CustomEvent("backcare:session-ended"));
      }
    }
    function contact() {
      deadline = Date.now() + idle - slack;
      idleBox.hidden = true;
      window.clearTimeout(warnTimer);
      window.clearInterval(tick);
      warnTimer = window.setTimeout(function () {
        idleBox.hidden = false;
        refreshWarning();
        tick = window.setInterval(refreshWarning, 15000);
        idleBox.querySelector("[data-keep-session]").focus({ preventScroll: true });
      }, Math.max(0, idle - slack - warnBefore));
    }
    const plainFetch = window.fetch.bind(window);
    window.fetch = function (input, options) {
      return plainFetch(input, options).then(function (response) {
        if (response.ok && new URL(response.url, window.location.href).origin === window.location.origin) { contact(); }
        return response;
      });
    };
    document.body.addEventListener("htmx:afterRequest", function (event) { if (event.detail.successful) { contact(); } });
    idleBox.querySelector("[data-keep-session]").addEventListener("click", function () {
      window.fetch("/session/keep", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf ? csrf.content : "" } })
        .then(function (response) { if (response.status === 401) { document.dispatchEvent(new CustomEvent("backcare:session-ended")); } });
    });
    contact();
  }

  // A date field shows the date the browser's way (3/4/2026 or 4/3/2026); beside it, the same date as
  // every page writes it, with the month in words, so no one reads the wrong month.
  const clinicLocale = (document.querySelector('meta[name="clinic-locale"]') || {}).content || "en-GB";
  function dateWords(input) {
    let words = input.parentNode.querySelector('.date-words[data-for="' + input.id + '"]');
    if (!words) {
      words = document.createElement("span");
      words.className = "date-words small";
      words.dataset.for = input.id;
      words.setAttribute("aria-hidden", "true");  // the field itself is announced with its value
      input.insertAdjacentElement("afterend", words);
    }
    const parts = input.value.split("-").map(Number);
    words.textContent = parts.length === 3 && parts[0] ? new Intl.DateTimeFormat(clinicLocale, { day: "numeric", month: "short",
      year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]))) : "";
  }
  document.querySelectorAll("input[type=date][id]").forEach(function (input) {
    dateWords(input);
    input.addEventListener("change", function () { dateWords(input); });
    input.addEventListener("input", function () { dateWords(input); });
  });
  document.addEventListener("backcare:form-filled", function () { document.querySelectorAll("input[type=date][id]").forEach(dateWords); });

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
