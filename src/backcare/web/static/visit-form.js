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
  function clear(section) {
    const touched = [];
    controls(section).forEach(function (el) {
      if (el.type === "checkbox") { if (el.checked) { el.checked = false; touched.push(el); } }
      else if (el.value !== "") { el.value = ""; touched.push(el); }
    });
    return touched;
  }
  // "All normal", "no to all": fill what is still empty with each field's normal value.
  function fillNormal(section) {
    const touched = [];
    controls(section).forEach(function (el) {
      const normal = el.dataset.normal;
      if (!normal) { return; }
      if (el.type === "checkbox") {
        const group = section.querySelectorAll('input[type=checkbox][name="' + el.name + '"]:checked');
        if (!group.length) { el.checked = true; touched.push(el); }
      } else if (el.value === "") { el.value = normal; touched.push(el); }
    });
    return touched;
  }

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
      if (el.type === "checkbox") { el.checked = list.indexOf(el.value) !== -1; }
      else { el.value = list[0]; }
      touched.push(el);
    });
    setCarried(id, true);
    section.querySelector(".note-intake").hidden = true;  // these findings now come from the last visit
    section.querySelector(".note-last").hidden = false;
    announce(touched);
    section.querySelector("[data-confirm]").focus();
  }
  carriedList().forEach(function (id) {
    const link = document.querySelector('[data-nav="' + id + '"]');
    if (link) { link.classList.add("has-carried"); }
  });

  form.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-quick], button[data-carry], button[data-confirm]");
    if (!button) { return; }
    const section = button.closest("[data-section]");
    if (button.dataset.quick === "clear") { announce(clear(section)); }
    else if (button.dataset.quick === "normal") { announce(fillNormal(section)); }
    else if (button.dataset.carry) { carryForward(section, button.dataset.carry); }
    else if (button.dataset.confirm) { setCarried(button.dataset.confirm, false); section.querySelector("h2").focus(); }
  });
  form.querySelectorAll(".form-section h2").forEach(function (h) { h.setAttribute("tabindex", "-1"); });

  // The section bar marks the section in view.
  const links = Array.from(document.querySelectorAll(".section-bar a[data-nav]"));
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { return; }
        links.forEach(function (a) {
          if (a.dataset.nav === entry.target.dataset.section) {
            a.setAttribute("aria-current", "true");
            // Bring the link into the bar's own view; never scroll the page (scrollIntoView would).
            const bar = a.closest("ul");
            if (a.offsetLeft < bar.scrollLeft || a.offsetLeft + a.offsetWidth > bar.scrollLeft + bar.clientWidth) {
              bar.scrollLeft = a.offsetLeft - bar.clientWidth / 3;
            }
          }
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
