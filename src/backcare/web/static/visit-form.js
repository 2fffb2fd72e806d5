// The visit form: the section bar, quick entry, starting a section from the last visit,
// the assessment panel sliding over the form on an upright tablet, and problems with what
// is typed shown beside their fields.
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) { return; }
  const carriedInput = form.querySelector('input[name="carried_unconfirmed"]');

  function controls(section) {
    return Array.from(section.querySelectorAll("input, select, textarea")).filter(function (el) { return el.name && el.type !== "hidden"; });
  }
  function announce(elements) {
    elements.forEach(function (el) { el.dispatchEvent(new Event("change", { bubbles: true })); });
    document.dispatchEvent(new CustomEvent("backcare:form-filled", { detail: { form: form } }));
  }
  // Radio groups (the one-tap answers) are cleared by choosing their blank segment, "not asked".
  function clear(section) {
    const touched = [];
    controls(section).forEach(function (el) {
      if (el.type === "radio") { if (el.value === "" && !el.checked) { el.checked = true; touched.push(el); } }
      else if (el.type === "checkbox") { if (el.checked) { el.checked = false; touched.push(el); } }
      else if (el.value !== "") { el.value = ""; touched.push(el); }
    });
    return touched;
  }
  function groupEmpty(section, el) {
    const checked = section.querySelector('input[name="' + CSS.escape(el.name) + '"]:checked');
    return !checked || (el.type === "radio" && checked.value === "");
  }
  // "All normal", "no to all": fill what is still empty with each field's normal value.
  function fillNormal(section) {
    const touched = [];
    controls(section).forEach(function (el) {
      const normal = el.dataset.normal;
      if (!normal) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        if (groupEmpty(section, el)) { el.checked = true; touched.push(el); }
      } else if (el.value === "") { el.value = normal; touched.push(el); }
    });
    return touched;
  }

  // Every bulk fill can be undone: the state of the fields it may touch is kept until the next one,
  // or until the therapist changes a field by hand.
  const undoBar = document.getElementById("undo-bar");
  let undoState = null;
  function snapshot(sections, what) {
    const state = [];
    sections.forEach(function (section) {
      controls(section).forEach(function (el) { state.push([el, el.checked, el.value]); });
    });
    undoState = { fields: state, carried: carriedInput.value, what: what };
  }
  function offerUndo(touchedCount) {
    if (!undoBar || !undoState) { return; }
    if (!touchedCount && carriedInput.value === undoState.carried) { undoState = null; undoBar.hidden = true; return; }
    undoBar.querySelector("[data-undo-what]").textContent = undoState.what + (touchedCount ? " (" + touchedCount + " fields)" : "") + ".";
    undoBar.hidden = false;
  }
  function undo() {
    if (!undoState) { return; }
    const changed = [];
    undoState.fields.forEach(function (entry) {
      const el = entry[0];
      if (el.checked !== entry[1] || el.value !== entry[2]) {
        if (el.type === "checkbox" || el.type === "radio") { el.checked = entry[1]; } else { el.value = entry[2]; }
        changed.push(el);
      }
    });
    const wasCarried = undoState.carried.split(/\s+/).filter(Boolean);
    sections().forEach(function (section) {
      const id = section.dataset.section;
      if ((wasCarried.indexOf(id) !== -1) !== section.classList.contains("carried")) { setCarried(id, wasCarried.indexOf(id) !== -1); }
    });
    undoState = null;
    undoBar.hidden = true;
    announce(changed);
  }
  function sections() { return Array.from(form.querySelectorAll("[data-section]")); }
  function bulk(what, affected, action) {
    snapshot(affected, what);
    const touched = action();
    announce(touched);
    offerUndo(touched.length);
  }
  if (undoBar) { undoBar.querySelector("[data-undo]").addEventListener("click", undo); }
  form.addEventListener("change", function (event) { if (event.isTrusted && undoBar) { undoState = null; undoBar.hidden = true; } });

  // Carried forward: a section filled from the last visit stays marked until confirmed.
  const carryData = document.getElementById("carry-forward");
  const lastVisit = carryData ? JSON.parse(carryData.textContent) : {};
  function carriedList() { return carriedInput.value.split(/\s+/).filter(Boolean); }
  function setCarried(id, on) {
    const list = carriedList().filter(function (x) { return x !== id; });
    if (on) { list.push(id); }
    carriedInput.value = list.join(" ");
    const section = document.getElementById("section-" + id);
    section.classList.toggle("carried", on);
    section.querySelector(".carried-note").hidden = !on;
    const link = document.querySelector('[data-nav="' + id + '"]');
    if (link) { link.classList.toggle("has-carried", on); }
    carriedInput.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function carryForward(section, id) {
    const values = lastVisit[id] || {};
    const touched = clear(section);
    controls(section).forEach(function (el) {
      const given = values[el.name];
      if (given === undefined) { return; }
      const list = Array.isArray(given) ? given : [String(given)];
      if (el.type === "checkbox" || el.type === "radio") { el.checked = list.indexOf(el.value) !== -1; }
      else { el.value = list[0]; }
      touched.push(el);
    });
    setCarried(id, true);
    unfold(section, true);
    section.querySelector(".note-intake").hidden = true;  // these findings now come from the last visit
    section.querySelector(".note-last").hidden = false;
    return touched;
  }
  carriedList().forEach(function (id) {
    const link = document.querySelector('[data-nav="' + id + '"]');
    if (link) { link.classList.add("has-carried"); }
  });

  // Folded sections (hip, circulation) open with a tap, from the section bar, or by themselves when
  // the pain map or the history points there; they never fold again by themselves.
  const foldData = document.getElementById("fold-triggers");
  const foldTriggers = foldData ? JSON.parse(foldData.textContent) : {};
  function unfold(section, open) {
    if (!section || !section.hasAttribute("data-fold")) { return; }
    section.querySelector(".section-body").hidden = !open;
    section.classList.toggle("folded", !open);
    section.querySelector("[data-unfold]").setAttribute("aria-expanded", open ? "true" : "false");
  }
  function checkFolds() {
    const data = new FormData(form);
    Object.keys(foldTriggers).forEach(function (id) {
      const section = document.getElementById("section-" + id);
      if (!section || !section.classList.contains("folded")) { return; }
      const wanted = foldTriggers[id];
      const hit = Object.keys(wanted).some(function (name) {
        return data.getAll(name).some(function (value) { return wanted[name].indexOf(value) !== -1; });
      });
      if (hit) { unfold(section, true); }
    });
  }
  form.addEventListener("change", checkFolds);
  document.addEventListener("backcare:form-filled", checkFolds);

  function confirmAll() {
    carriedList().forEach(function (id) { setCarried(id, false); });
    return [];
  }
  function wholeVisit() {
    const touched = [];
    sections().forEach(function (section) {
      if (lastVisit[section.dataset.section]) { Array.prototype.push.apply(touched, carryForward(section, section.dataset.section)); }
    });
    return touched;
  }

  form.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-quick], button[data-carry], button[data-confirm], button[data-unfold]");
    if (!button) { return; }
    const section = button.closest("[data-section]");
    const title = section.querySelector("h2").textContent;
    if (button.dataset.unfold) { unfold(section, section.classList.contains("folded")); }
    else if (button.dataset.quick === "clear") { bulk("Cleared " + title, [section], function () { return clear(section); }); }
    else if (button.dataset.quick === "normal") { bulk(button.textContent.trim() + " (" + title + ")", [section], function () { return fillNormal(section); }); }
    else if (button.dataset.carry) {
      bulk(title + " filled from the last visit", [section], function () { return carryForward(section, button.dataset.carry); });
      section.querySelector("[data-confirm]").focus();
    }
    else if (button.dataset.confirm) { setCarried(button.dataset.confirm, false); section.querySelector("h2").focus(); }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-whole-visit], button[data-confirm-all]");
    if (!button) { return; }
    if (button.dataset.wholeVisit !== undefined) {
      bulk("The whole visit filled from the last one", sections(), wholeVisit);
      const screening = document.getElementById("section-screening");
      if (screening) { screening.scrollIntoView(); screening.querySelector("h2").focus({ preventScroll: true }); }
    } else {
      bulk("Confirmed every section carried forward", [], confirmAll);
    }
  });
  form.querySelectorAll(".form-section h2").forEach(function (h) { h.setAttribute("tabindex", "-1"); });

  // The review bar: how many sections wait for confirmation, with one button for all of them.
  const review = document.getElementById("review-bar");
  function showReview() {
    if (!review) { return; }
    const waiting = carriedList();
    review.hidden = waiting.length === 0;
    const list = review.querySelector("[data-review-list]");
    if (list) {
      list.textContent = waiting.map(function (id) {
        const h = document.querySelector("#section-" + id + " h2");
        return h ? h.textContent : id;
      }).join(", ");
    }
  }
  carriedInput.addEventListener("change", showReview);
  showReview();

  // Keyboard: Ctrl+S (Cmd+S) saves; Alt+N and Alt+P move to the next and the previous section.
  function moveSection(step) {
    const all = sections().filter(function (s) { return s.offsetParent !== null; });
    const top = all.findIndex(function (s) { return s.getBoundingClientRect().bottom > 120; });
    const current = all.indexOf(document.activeElement ? document.activeElement.closest("[data-section]") : null);
    const from = current !== -1 ? current : Math.max(top, 0);
    const next = all[Math.min(all.length - 1, Math.max(0, from + step))];
    if (!next) { return; }
    unfold(next, true);
    next.scrollIntoView();
    next.querySelector("h2").focus({ preventScroll: true });
  }
  document.addEventListener("keydown", function (event) {
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && !event.altKey && key === "s") {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.altKey && !event.ctrlKey && !event.metaKey && (key === "n" || key === "p" || event.code === "KeyN" || event.code === "KeyP")) {
      event.preventDefault();
      moveSection(key === "n" || event.code === "KeyN" ? 1 : -1);
    }
  });

  // The section bar shows every section and marks the one in view; a folded section opens from it.
  const links = Array.from(document.querySelectorAll(".section-bar a[data-nav]"));
  links.forEach(function (a) {
    a.addEventListener("click", function () { unfold(document.getElementById("section-" + a.dataset.nav), true); });
  });
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { return; }
        links.forEach(function (a) {
          if (a.dataset.nav === entry.target.dataset.section) { a.setAttribute("aria-current", "true"); }
          else { a.removeAttribute("aria-current"); }
        });
      });
    }, { rootMargin: "-20% 0px -70% 0px" });
    form.querySelectorAll("[data-section]").forEach(function (s) { observer.observe(s); });
  }

  // The assessment panel on an upright tablet: it slides over the form and back; the form never moves.
  const panel = document.getElementById("assessment-panel");
  let returnFocus = null;
  function setOpen(open) {
    document.body.classList.toggle("panel-open", open);
    const bar = document.getElementById("status-bar");
    if (bar) { bar.setAttribute("aria-expanded", open ? "true" : "false"); }
    if (open) { returnFocus = document.activeElement; panel.focus({ preventScroll: true }); }
    else if (returnFocus && returnFocus.focus) { returnFocus.focus({ preventScroll: true }); }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-panel-open]")) { setOpen(!document.body.classList.contains("panel-open")); }
    else if (event.target.closest("[data-panel-close]")) { setOpen(false); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("panel-open")) { setOpen(false); }
  });

  // The live assessment: each change asks for a fresh panel at once and cancels the request
  // still under way, so the panel always shows the latest findings with no fixed wait.
  const live = document.getElementById("assessment-live");
  let pending = null;
  async function refresh() {
    if (pending) { pending.abort(); }
    const controller = pending = new AbortController();
    let html;
    try {
      const response = await fetch(live.dataset.preview, { method: "POST", body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin", signal: controller.signal });
      if (response.status === 401) { document.dispatchEvent(new CustomEvent("backcare:session-ended")); return; }
      if (!response.ok) { return; }
      html = await response.text();
    } catch (e) {
      return;  // cancelled by a newer change, or offline (the autosave says so)
    }
    if (controller !== pending) { return; }
    pending = null;
    const answer = document.createElement("template");
    answer.innerHTML = html;
    // Parts marked out-of-band replace the element of the same id elsewhere on the page.
    answer.content.querySelectorAll("[hx-swap-oob]").forEach(function (part) {
      part.removeAttribute("hx-swap-oob");
      const current = document.getElementById(part.id);
      if (current) { current.replaceWith(part); } else { part.remove(); }
    });
    live.replaceChildren(answer.content);
    settled();
    document.dispatchEvent(new CustomEvent("backcare:assessed"));
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();

  // After each live assessment: the status bar keeps its state, and problems go beside their fields.
  function settled() {
    const bar = document.getElementById("status-bar");
    if (bar) { bar.setAttribute("aria-expanded", document.body.classList.contains("panel-open") ? "true" : "false"); }
    const holder = document.getElementById("live-errors");
    if (!holder || !holder.dataset.problems) { return; }
    let problems = {};
    try { problems = JSON.parse(holder.dataset.problems); } catch (e) { return; }
    form.querySelectorAll(".live-error").forEach(function (p) {
      const field = document.getElementById(p.dataset.for);
      if (field) {
        field.removeAttribute("aria-invalid");
        const rest = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== p.id; });
        if (rest.length) { field.setAttribute("aria-describedby", rest.join(" ")); } else { field.removeAttribute("aria-describedby"); }
      }
      p.remove();
    });
    Object.keys(problems).forEach(function (name) {
      const field = document.getElementById(name);
      if (!field || document.getElementById(name + "-error")) { return; }  // no such field, or the page already says it
      const message = document.createElement("p");
      message.className = "error live-error";
      message.id = name + "-live-error";
      message.dataset.for = name;
      message.textContent = problems[name];
      field.insertAdjacentElement("afterend", message);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + message.id).trim());
    });
  }
})();
