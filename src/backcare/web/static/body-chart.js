// The body chart: tapping a region toggles a hidden checkbox named after the active
// layer's case field (the list under the chart; until the visit form loads that list,
// a checkbox of the same name and value made here, which the list takes over). Each region shows the colour of the first layer that marks it and a
// dot per layer where several do. One Tab stop per view; arrow keys move between regions.
// The region focused or tapped last is named on the chart and in a line under it, so a
// finger that covers the region still learns which one it was.
(function () {
  "use strict";
  document.querySelectorAll("[data-body-chart]").forEach(function (root) {
    const layerButtons = Array.from(root.querySelectorAll("[data-layer]"));
    const regions = Array.from(root.querySelectorAll("svg .region[data-region]"));
    // The page draws plain shapes; the script that makes them checkboxes says so.
    regions.forEach(function (shape) {
      shape.dataset.label = shape.querySelector("title").textContent;
      shape.setAttribute("role", "checkbox");
      shape.setAttribute("tabindex", "-1");
    });
    let layer = layerButtons.length ? layerButtons[0].dataset.layer : null;

    const made = root.querySelector("[data-chart-inputs]");
    const labels = {};
    regions.forEach(function (shape) { labels[shape.dataset.region] = shape.dataset.label; });
    function box(field, region, create) {
      const found = root.querySelector('input[type=checkbox][name="' + field + '"][value="' + region + '"]');
      if (found || !create || !made) { return found; }
      const input = document.createElement("input");
      input.type = "checkbox"; input.name = field; input.value = region; input.hidden = true;
      made.appendChild(input);
      return input;
    }
    // The list arrived: its boxes take the state of those made before, which go.
    root.addEventListener("backcare:part-loaded", function () {
      if (!made) { return; }
      Array.from(made.querySelectorAll("input")).forEach(function (input) {
        input.remove();
        const listed = box(input.name, input.value);
        if (listed) { listed.checked = input.checked; }
      });
      paint();
    });
    const SVG = "http://www.w3.org/2000/svg";
    // Two rows of three dots in the region's corner, one per layer, where several layers mark it.
    function drawDots(shape, marks) {
      const old = shape.parentNode.querySelector('.dots[data-for="' + shape.dataset.region + '"]');
      if (old) { old.remove(); }
      if (marks.length < 2) { return; }
      const group = document.createElementNS(SVG, "g");
      group.setAttribute("class", "dots"); group.setAttribute("aria-hidden", "true");
      group.setAttribute("data-for", shape.dataset.region);
      const x = parseFloat(shape.getAttribute("x")), y = parseFloat(shape.getAttribute("y"));
      marks.slice(0, 6).forEach(function (b, i) {
        const dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("class", "dot on " + b.dataset.css);
        dot.setAttribute("cx", x + 6 + (i % 3) * 7); dot.setAttribute("cy", y + 6 + Math.floor(i / 3) * 7);
        dot.setAttribute("r", "2.8");
        group.appendChild(dot);
      });
      shape.after(group);
    }
    function marksOf(region) {
      return layerButtons.filter(function (b) { const input = box(b.dataset.layer, region); return input && input.checked; });
    }
    function paint() {
      regions.forEach(function (shape) {
        const marks = marksOf(shape.dataset.region);
        const active = marks.some(function (b) { return b.dataset.layer === layer; });
        let cls = "region";
        if (marks.length) { cls += " " + marks[0].dataset.css; }
        if (marks.length > 1) { cls += " multi"; }
        if (active) { cls += " active-mark"; }
        if (shape.classList.contains("focused")) { cls += " focused"; }
        shape.setAttribute("class", cls);
        shape.setAttribute("aria-checked", active ? "true" : "false");
        shape.setAttribute("aria-label", shape.dataset.label + (marks.length ? ": " + marks.map(function (b) { return b.textContent.trim(); }).join(", ") : ""));
        drawDots(shape, marks);
      });
      root.querySelectorAll("[data-summary]").forEach(function (line) {
        const chosen = Array.from(root.querySelectorAll('input[name="' + line.dataset.summary + '"]:checked'))
          .map(function (i) { return i.dataset.label || labels[i.value] || i.value; });
        line.lastElementChild.textContent = chosen.length ? chosen.join(", ") : "none";
      });
    }
    const named = root.querySelector("[data-region-named]");
    function tag(shape) {
      const svg = shape.ownerSVGElement;
      const holder = svg.querySelector(".region-tag");
      const marks = marksOf(shape.dataset.region).map(function (b) { return b.textContent.trim().toLowerCase(); });
      const text = shape.dataset.label + (marks.length ? ": " + marks.join(", ") : "");
      if (named) { named.textContent = text; }
      if (!holder) { return; }
      holder.removeAttribute("hidden");
      const words = holder.querySelector("text");
      words.textContent = shape.dataset.label;
      const b = shape.getBBox();
      const width = Math.min(words.getComputedTextLength() + 12, 236);
      const x = Math.max(2, Math.min(b.x + b.width / 2 - width / 2, 238 - width));
      const y = b.y > 26 ? b.y - 23 : b.y + b.height + 3;
      const box = holder.querySelector("rect");
      box.setAttribute("x", x); box.setAttribute("y", y); box.setAttribute("width", width);
      words.setAttribute("x", x + 6); words.setAttribute("y", y + 14);
    }
    function toggle(shape) {
      const input = box(layer, shape.dataset.region, true);
      if (!input) { return; }
      input.checked = !input.checked;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      paint();
      tag(shape);
    }

    // Roving focus: each view is one Tab stop, on its last focused region.
    function setTabStop(svg, shape) {
      svg.querySelectorAll(".region[data-region]").forEach(function (r) { r.setAttribute("tabindex", r === shape ? "0" : "-1"); });
    }
    root.querySelectorAll("svg.body-chart").forEach(function (svg) {
      const first = svg.querySelector(".region[data-region]");
      if (first) { setTabStop(svg, first); }
    });
    function centre(shape) {
      const b = shape.getBBox();
      return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    }
    // The nearest region in the arrow's direction: distance along it, plus twice the sideways offset.
    function neighbour(shape, dx, dy) {
      const from = centre(shape);
      let best = null, bestScore = Infinity;
      shape.ownerSVGElement.querySelectorAll(".region[data-region]").forEach(function (other) {
        if (other === shape) { return; }
        const to = centre(other);
        const along = (to.x - from.x) * dx + (to.y - from.y) * dy;
        if (along <= 0) { return; }
        const across = Math.abs((to.x - from.x) * dy) + Math.abs((to.y - from.y) * dx);
        const score = along + 2 * across;
        if (score < bestScore) { bestScore = score; best = other; }
      });
      return best;
    }
    const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

    layerButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        layer = button.dataset.layer;
        layerButtons.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
        paint();
      });
    });
    regions.forEach(function (shape) {
      shape.addEventListener("click", function () { setTabStop(shape.ownerSVGElement, shape); toggle(shape); });
      shape.addEventListener("focus", function () { shape.classList.add("focused"); tag(shape); });
      shape.addEventListener("blur", function () { shape.classList.remove("focused"); });
      shape.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter") { event.preventDefault(); toggle(shape); return; }
        const arrow = ARROWS[event.key];
        if (!arrow) { return; }
        event.preventDefault();
        const next = neighbour(shape, arrow[0], arrow[1]);
        if (next) { setTabStop(shape.ownerSVGElement, next); next.focus(); }
      });
    });
    root.addEventListener("change", paint);
    document.addEventListener("backcare:form-filled", paint);
    paint();
  });
})();
