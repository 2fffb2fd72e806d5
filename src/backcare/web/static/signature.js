// The signature pad of the client's consent: a finger (or a mouse) draws on the canvas, and the
// strokes go into a hidden field as SVG path data ("M x y L x y ..."), which the note can print.
(function () {
  "use strict";
  document.querySelectorAll("[data-signature]").forEach(function (pad) {
    const canvas = pad.querySelector("canvas");
    const field = document.getElementById(pad.dataset.signature);
    const ink = canvas.getContext("2d");
    ink.lineWidth = 3;
    ink.lineCap = "round";
    let strokes = [];
    let drawing = false;

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return [Math.round((event.clientX - box.left) * canvas.width / box.width),
              Math.round((event.clientY - box.top) * canvas.height / box.height)];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      strokes.push("M" + x + " " + y);
      ink.beginPath();
      ink.moveTo(x, y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      const [x, y] = point(event);
      strokes.push("L" + x + " " + y);
      ink.lineTo(x, y);
      ink.stroke();
    });
    function end() {
      if (!drawing) { return; }
      drawing = false;
      const path = strokes.join(" ");
      // The server keeps 20,000 characters: a longer drawing keeps its first strokes whole.
      field.value = path.length <= 20000 ? path : path.slice(0, path.lastIndexOf(" M", 20000));
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    pad.querySelector("[data-signature-clear]").addEventListener("click", function () {
      strokes = [];
      field.value = "";
      ink.clearRect(0, 0, canvas.width, canvas.height);
    });
  });
})();
