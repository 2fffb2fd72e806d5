// Autosave for forms marked data-autosave="URL": the form goes to the server as a draft a
// moment after each change, so a reload, a closed tab or a crash resumes where it was.
//
// What the server has not acknowledged is also kept in this tab (sessionStorage, cleared
// on sign-out): if the session ends, the typing survives signing in again and is put back.
// Leaving with unacknowledged changes asks first. A draft changed elsewhere, or a note
// signed elsewhere, stops the autosave and says so; the typing stays on the page.
(function () {
  "use strict";
  const DELAY_MS = 700;
  const CONTROL = { csrf_token: true, draft_version: true, draft_force: true };

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    const url = form.dataset.autosave;
    const user = form.dataset.user;
    const stashKey = "backcare:draft:" + url;
    const status = (form.id && document.querySelector('[data-status-for="' + form.id + '"]')) || form.querySelector(".autosave");
    let version = parseInt(form.dataset.draftVersion || "0", 10);
    let timer = null, inflight = null, dirty = false, blocked = null, leaving = false, banner = null;

    function setStatus(text, problem) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("problem", !!problem);
    }
    function fields() {
      return Array.from(new FormData(form).entries()).filter(function (e) { return !CONTROL[e[0]] && typeof e[1] === "string"; });
    }
    function stash() {
      try {
        window.sessionStorage.setItem(stashKey, JSON.stringify({ user: user, version: version, at: Date.now(), fields: fields() }));
      } catch (e) { /* storage full or off: the server draft still holds the last save */ }
    }
    function unstash() { try { window.sessionStorage.removeItem(stashKey); } catch (e) { /* nothing kept */ } }

    function showBanner(message, actions) {
      if (banner) { banner.remove(); }
      banner = document.createElement("div");
      banner.className = "flash error-box banner";
      banner.setAttribute("role", "alert");
      const text = document.createElement("p");
      text.textContent = message;
      banner.appendChild(text);
      (actions || []).forEach(function (action) { banner.appendChild(action); banner.appendChild(document.createTextNode(" ")); });
      form.insertBefore(banner, form.firstChild);
    }
    function signInLink() {
      const link = document.createElement("a");
      link.className = "button";
      link.href = "/login?next=" + encodeURIComponent(window.location.pathname + window.location.search);
      link.textContent = "Sign in again";
      link.addEventListener("click", function () { stash(); leaving = true; });
      return link;
    }
    function sessionEnded() {
      blocked = "session";
      stash();
      setStatus("Not saved: your session has ended", true);
      showBanner("Your session has ended, so changes are no longer reaching the server. Everything you typed is kept in this tab: "
        + "sign in again and you come back here with it.", [signInLink()]);
    }

    // Returns how it went: saved, session (ended), offline, conflict, invalid or error.
    async function save(options) {
      const force = options && options.force;
      if (blocked && !force) { return blocked === "session" ? "session" : "conflict"; }
      while (inflight) { await inflight.catch(function () {}); }
      if (!dirty && !force) { return "saved"; }
      dirty = false;
      const body = new URLSearchParams(new FormData(form));
      body.set("draft_version", String(version));
      if (force) { body.set("draft_force", "yes"); }
      let response;
      try {
        inflight = fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } });
        response = await inflight;
      } catch (e) {
        dirty = true;
        setStatus("Not saved: no connection. Kept in this tab; trying again…", true);
        window.setTimeout(function () { save(); }, 5000);
        return "offline";
      } finally { inflight = null; }
      const answer = await response.json().catch(function () { return {}; });
      if (response.ok) {
        version = answer.version;
        blocked = null;
        if (banner) { banner.remove(); banner = null; }
        setStatus("Draft saved " + answer.saved);
        if (!dirty) { unstash(); }
        return "saved";
      }
      dirty = true;
      if (response.status === 401 || response.status === 403) { sessionEnded(); return "session"; }
      if (response.status === 409) {
        blocked = answer.conflict || "conflict";
        stash();
        setStatus("Not saved: see the message above", true);
        const actions = [];
        if (answer.conflict === "draft") {
          const keep = document.createElement("button");
          keep.type = "button";
          keep.textContent = "Keep this tab's version";
          keep.addEventListener("click", function () { save({ force: true }); });
          actions.push(keep);
        }
        showBanner(answer.detail || "This was changed elsewhere.", actions);
        return "conflict";
      }
      const first = answer.errors ? Object.values(answer.errors)[0] : answer.detail;
      setStatus("Not saved: " + (first || "the server could not keep the draft") + ". Kept in this tab.", true);
      return response.status === 422 ? "invalid" : "error";
    }
    function changed() {
      dirty = true;
      stash();
      if (!blocked) { setStatus("Saving soon…"); }
      window.clearTimeout(timer);
      timer = window.setTimeout(save, DELAY_MS);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    document.addEventListener("backcare:session-ended", sessionEnded);

    // Typing kept in this tab (the session ended, or the tab was restored) goes back into the form.
    function restore() {
      let kept = null;
      try { kept = JSON.parse(window.sessionStorage.getItem(stashKey) || "null"); } catch (e) { kept = null; }
      if (!kept || kept.user !== user) { return; }
      if (JSON.stringify(kept.fields) === JSON.stringify(fields())) { unstash(); return; }  // the server has it already
      if (kept.version < version) {
        // Saved on another device since this tab last reached the server: ask, never overwrite.
        const put = document.createElement("button");
        put.type = "button";
        put.textContent = "Put back this tab's typing";
        put.addEventListener("click", function () { kept.version = version; apply(kept); });
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "secondary";
        drop.textContent = "Keep the newer draft";
        drop.addEventListener("click", function () { unstash(); banner.remove(); banner = null; });
        showBanner("This tab kept typing that never reached the server, and the draft was saved elsewhere since.", [put, drop]);
        return;
      }
      apply(kept);
    }
    async function apply(kept) {
      const values = {};
      kept.fields.forEach(function (e) { (values[e[0]] = values[e[0]] || []).push(e[1]); });
      // The page's own script first brings in whatever fields the kept typing needs (the visit form's parts).
      if (form.backcareBeforeRestore) { await form.backcareBeforeRestore(values).catch(function () {}); }
      Array.from(form.elements).forEach(function (el) {
        if (!el.name || CONTROL[el.name] || el.type === "submit" || el.type === "button") { return; }
        const given = values[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") { el.checked = given.indexOf(el.value) !== -1; }
        else if (el.type !== "file") { el.value = given.length ? given[0] : ""; }
      });
      if (kept.version > version) { version = kept.version; }
      document.dispatchEvent(new CustomEvent("backcare:form-filled", { detail: { form: form } }));
      setStatus("Put back what you typed before; saving it now…");
      dirty = true;
      save();
    }
    // Once every deferred script of the page has run (they may prepare the form for it): this one
    // is deferred too, so the event is still to come.
    document.addEventListener("DOMContentLoaded", restore);

    window.addEventListener("beforeunload", function (event) {
      if (!leaving && (dirty || inflight)) { event.preventDefault(); event.returnValue = ""; }
    });
    // Leaving anyway: one last try to save, which the browser sends even as the page goes.
    window.addEventListener("pagehide", function () {
      if (dirty && !blocked) {
        const data = new FormData(form);
        data.set("draft_version", String(version));
        navigator.sendBeacon(url, data);
      }
    });

    form.addEventListener("submit", async function (event) {
      if (form.dataset.flushed === "yes") { leaving = true; return; }
      event.preventDefault();
      const submitter = event.submitter;
      const carried = form.querySelector('input[name="carried_unconfirmed"]');
      if (carried && carried.value.trim()) {
        const section = document.getElementById("section-" + carried.value.trim().split(/\s+/)[0]);
        setStatus("Confirm or change the findings carried forward from the last visit first", true);
        if (section) { section.scrollIntoView(); const button = section.querySelector("[data-confirm]"); if (button) { button.focus(); } }
        return;
      }
      window.clearTimeout(timer);
      const outcome = await save();
      // Submitting now would lose the typing into a login page or a dead connection: stay.
      if (outcome === "session" || outcome === "offline") { return; }
      unstash();
      form.dataset.flushed = "yes";
      leaving = true;
      // After this event's dispatch has finished: a form refuses a new submission while it is
      // still firing one (a save that needed no request finishes within this dispatch).
      window.setTimeout(function () { form.requestSubmit(submitter || undefined); }, 0);
    });
  });
})();
