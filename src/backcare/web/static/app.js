// backcare: the body chart and the CSRF header for htmx. No framework.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) { event.detail.headers["X-CSRF-Token"] = csrf.content; }
  });

  // A body chart toggles hidden checkboxes named after the active layer's case field.
  document.querySelectorAll("[data-body-chart]").forEach(function (root) {
    const layerButtons = root.querySelectorAll("[data-layer]");
    let layer = layerButtons.length ? layerButtons[0].dataset.layer : null;

    function box(field, region) {
      return root.querySelector('input[type=checkbox][name="' + field + '"][value="' + region + '"]');
    }
    // Every region shows the colour of the first layer that marks it (a dashed
    // outline when several do); the active layer's marks get a dark outline.
    function paint() {
      root.querySelectorAll(".region").forEach(function (shape) {
        const marks = [];
        layerButtons.forEach(function (button) {
          const input = box(button.dataset.layer, shape.dataset.region);
          if (input && input.checked) { marks.push(button); }
        });
        const active = marks.some(function (b) { return b.dataset.layer === layer; });
        let cls = "region";
        if (marks.length) { cls += " " + marks[0].dataset.css; }
        if (marks.length > 1) { cls += " multi"; }
        if (active) { cls += " active-mark"; }
        shape.setAttribute("class", cls);
        shape.setAttribute("aria-checked", active ? "true" : "false");
        shape.setAttribute("aria-label", shape.dataset.label + (marks.length ? ": " + marks.map(function (b) { return b.textContent.trim(); }).join(", ") : ""));
      });
      root.querySelectorAll("[data-summary]").forEach(function (line) {
        const chosen = Array.from(root.querySelectorAll('input[name="' + line.dataset.summary + '"]:checked'))
          .map(function (i) { return i.dataset.label; });
        line.querySelector("span").textContent = chosen.length ? chosen.join(", ") : "none";
      });
    }
    function toggle(shape) {
      const input = box(layer, shape.dataset.region);
      if (!input) { return; }
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      paint();
    }
    layerButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        layer = button.dataset.layer;
        layerButtons.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
        paint();
      });
    });
    root.querySelectorAll(".region").forEach(function (shape) {
      shape.addEventListener("click", function () { toggle(shape); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") { event.preventDefault(); toggle(shape); }
      });
    });
    root.addEventListener("change", paint);
    paint();
  });
})();
