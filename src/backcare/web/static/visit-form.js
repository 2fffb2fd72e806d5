// The visit form: the section bar, quick entry, starting a section from the last visit,
// the assessment panel sliding over the form on an upright tablet, and problems with what
// is typed shown beside their fields.
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) { return; }
  const carriedInput = form.querySelector('input[name="carried_unconfirmed"]');

  // Parts of the form sent only when opened (web/visits/parts.py): each is fetched once, when its
  // section unfolds, its list opens or a quick entry is about to fill it, and then belongs to the
  // form like any other field. The hidden field lists the parts the page holds, so a draft, a
  // refused save or this tab's kept typing brings them back.
  const partsHeld = form.querySelector('input[name="parts_shown"]');
  const loading = {};
  function loadPart(holder) {
    const name = holder.dataset.part;
    if (!loading[name]) {
      loading[name] = fetch("/visit-form/parts/" + encodeURIComponent(name), { credentials: "same-origin" }).then(function (response) {
        if (response.status === 401) { document.dispatchEvent(new CustomEvent("backcare:session-ended")); }
        if (!response.ok) { throw new Error("The form's part " + name + " did not load"); }
        return response.text();
      }).then(function (html) {
        const parent = holder.parentNode;
        const answer = document.createElement("template");
        answer.innerHTML = html;
        holder.replaceWith(answer.content);
        partsHeld.value = (partsHeld.value + " " + name).trim();
        parent.dispatchEvent(new CustomEvent("backcare:part-loaded", { bubbles: true, detail: { part: name } }));
        refresh();  // hints beside the new fields come with the next assessment
      }, function (error) { delete loading[name]; throw error; });
    }
    return loading[name];
  }
  function loadParts(within) {
    const holders = [];
    within.forEach(function (el) { holders.push.apply(holders, el.querySelectorAll("[data-part]")); });
    return Promise.all(holders.map(loadPart));
  }
  function loadNamed(names) {
    return Promise.all(names.map(function (name) {
      const holder = form.querySelector('[data-part="' + CSS.escape(name) + '"]');
      return holder ? loadPart(holder) : null;
    }));
  }
  // Typing this tab kept (autosave.js) may lie in parts this page has not loaded yet.
  form.backcareBeforeRestore = function (values) {
    return loadNamed(String((values.parts_shown || []).join(" ")).split(/\s+/).filter(Boolean));
  };
  // A list opened (the regions, the checklists, the landmarks, the signs): its part comes now.
  form.addEventListener("toggle", function (event) {
    if (event.target.tagName === "DETAILS" && event.target.open) { loadParts([event.target]).catch(function () {}); }
  }, true);

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
      const group = el.type === "radio" ? el.closest("fieldset[data-normal]") : null;  // a row of segments names its normal once
      const normal = el.dataset.normal || (group && group.dataset.normal === el.value ? el.value : "");
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
  // A folded list that now holds answers opens, so what was filled is in view.
  function openFilled(within) {
    within.forEach(function (section) {
      section.querySelectorAll("details.checklist-group").forEach(function (d) {
        if (d.querySelector('input:checked:not([value=""])')) { d.open = true; }
      });
    });
  }
  // A fill that needs fields of parts not yet loaded waits for them; any other is done at once.
  function bulk(what, affected, action, needsParts) {
    function run() {
      snapshot(affected, what);
      const touched = action();
      openFilled(affected);
      announce(touched);
      offerUndo(touched.length);
    }
    if (!needsParts) { run(); return Promise.resolve(); }
    return loadParts(affected).then(run);
  }
  function unloaded(section) { return section.querySelector("[data-part]") !== null; }
  // Whether some of these values (name -> value or list) have no field in the section yet.
  function missing(section, values) {
    return Object.keys(values).some(function (name) {
      const fields = section.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      if (!fields.length) { return true; }
      if (fields[0].type !== "checkbox" && fields[0].type !== "radio") { return false; }
      const list = Array.isArray(values[name]) ? values[name] : [String(values[name])];
      return list.some(function (v) { return !section.querySelector('[name="' + CSS.escape(name) + '"][value="' + CSS.escape(v) + '"]'); });
    });
  }
  if (undoBar) { undoBar.querySelector("[data-undo]").addEventListener("click", undo); }
  form.addEventListener("change", function (event) { if (event.isTrusted && undoBar) { undoState = null; undoBar.hidden = true; } });

  // Carried forward: a section filled from the last visit stays marked until confirmed.
  const carryData = document.getElementById("carry-forward");
  const lastVisit = carryData ? JSON.parse(carryData.textContent) : {};
  function carriedList() { return carriedInput.value.split(/\s+/).filter(Boolean); }
  const noteTemplate = document.getElementById("carried-note-template");
  function noteOf(section) {
    let note = section.querySelector(".carried-note");
    if (!note && noteTemplate) {
      note = noteTemplate.content.firstElementChild.cloneNode(true);
      const button = note.querySelector("[data-confirm]");
      button.dataset.confirm = section.dataset.section;
      button.textContent = "Confirm " + section.querySelector("h2").textContent.toLowerCase();
      section.querySelector(".section-head").after(note);
    }
    return note;
  }
  function setCarried(id, on) {
    const list = carriedList().filter(function (x) { return x !== id; });
    if (on) { list.push(id); }
    carriedInput.value = list.join(" ");
    const section = document.getElementById("section-" + id);
    section.classList.toggle("carried", on);
    noteOf(section).hidden = !on;
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
    noteOf(section).querySelector(".note-intake").hidden = true;  // these findings now come from the last visit
    noteOf(section).querySelector(".note-last").hidden = false;
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
    if (!section || !section.hasAttribute("data-fold")) { return Promise.resolve(); }
    return (open ? loadParts([section]) : Promise.resolve()).then(function () {
      section.querySelector(".section-body").hidden = !open;
      section.classList.toggle("folded", !open);
      section.querySelector("[data-unfold]").setAttribute("aria-expanded", open ? "true" : "false");
    });
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
    const button = event.target.closest("button[data-quick], button[data-carry], button[data-confirm], button[data-unfold], button[name=show_part]");
    if (!button) { return; }
    const section = button.closest("[data-section]");
    const title = section.querySelector("h2").textContent;
    if (button.type === "submit") { event.preventDefault(); }  // without this script these post the form back
    if (button.dataset.unfold) { unfold(section, section.classList.contains("folded")); }
    else if (button.name === "show_part") { loadPart(button.closest("[data-part]")).catch(function () {}); }
    else if (button.dataset.quick === "clear") { bulk("Cleared " + title, [section], function () { return clear(section); }); }
    else if (button.dataset.quick === "normal") { bulk(button.textContent.trim() + " (" + title + ")", [section], function () { return fillNormal(section); }, unloaded(section)); }
    else if (button.dataset.carry) {
      bulk(title + " filled from the last visit", [section], function () { return carryForward(section, button.dataset.carry); },
           missing(section, lastVisit[button.dataset.carry] || {}))
        .then(function () { noteOf(section).querySelector("[data-confirm]").focus(); });
    }
    else if (button.dataset.confirm) { setCarried(button.dataset.confirm, false); section.querySelector("h2").focus(); }
  });
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-whole-visit], button[data-confirm-all]");
    if (!button) { return; }
    if (button.dataset.wholeVisit !== undefined) {
      const carried = sections().filter(function (s) { return lastVisit[s.dataset.section] && missing(s, lastVisit[s.dataset.section]); });
      loadParts(carried).then(function () { return bulk("The whole visit filled from the last one", sections(), wholeVisit); }).then(function () {
        const screening = document.getElementById("section-screening");
        if (screening) { screening.scrollIntoView(); screening.querySelector("h2").focus({ preventScroll: true }); }
      });
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
