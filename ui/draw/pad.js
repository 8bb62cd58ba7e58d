// Strokes live on the canvas element, so a rerun (which calls this function again with new
// data) keeps them; only a fresh canvas (after visiting another page) takes data.strokes.
export default function ({ data, parentElement, setStateValue }) {
  const canvas = parentElement.querySelector("canvas.pad");
  if (!canvas) return;
  const undo = parentElement.querySelector("button.undo");
  const clear = parentElement.querySelector("button.clear");
  let pad = canvas.__pad;
  if (!pad) {
    pad = canvas.__pad = { strokes: (data.strokes || []).map((s) => s.slice()), pointer: null };
    const ctx = canvas.getContext("2d");
    pad.redraw = () => {
      const unit = canvas.width / pad.size;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(unit, 0, 0, unit, 0, 0);
      ctx.strokeStyle = ctx.fillStyle = "#fff";
      ctx.lineWidth = pad.pen; ctx.lineCap = "round"; ctx.lineJoin = "round";
      for (const s of pad.strokes) {
        ctx.beginPath();
        if (s.length === 1) {
          ctx.arc(s[0][0], s[0][1], pad.pen / 2, 0, 2 * Math.PI); ctx.fill();
        } else {
          ctx.moveTo(s[0][0], s[0][1]); for (const p of s) ctx.lineTo(p[0], p[1]); ctx.stroke();
        }
      }
    };
    const send = () => setStateValue("strokes", pad.strokes);
    const at = (e) => {
      const r = canvas.getBoundingClientRect();
      const f = (v) => Math.round(Math.min(Math.max(v, 0), pad.size) * 10) / 10;
      return [f((e.clientX - r.left) * pad.size / r.width),
              f((e.clientY - r.top) * pad.size / r.height)];
    };
    canvas.addEventListener("pointerdown", (e) => {
      if (pad.pointer !== null || e.button > 0) return;  // one finger, the main button
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      pad.pointer = e.pointerId;
      pad.strokes.push([at(e)]);
      pad.redraw();
    });
    canvas.addEventListener("pointermove", (e) => {
      if (e.pointerId !== pad.pointer) return;
      const stroke = pad.strokes[pad.strokes.length - 1];
      for (const ev of (e.getCoalescedEvents ? e.getCoalescedEvents() : [e])) {
        const p = at(ev), q = stroke[stroke.length - 1];
        if (Math.hypot(p[0] - q[0], p[1] - q[1]) >= 1) stroke.push(p);
      }
      pad.redraw();
    });
    const end = (e) => {
      if (e.pointerId !== pad.pointer) return;
      pad.pointer = null;
      send();  // the stroke ends: the server redraws every view
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);
    undo.addEventListener("click", () => { pad.strokes.pop(); pad.redraw(); send(); });
    clear.addEventListener("click", () => { pad.strokes = []; pad.redraw(); send(); });
  }
  pad.pen = data.pen; pad.size = data.size;
  undo.textContent = data.labels.undo; clear.textContent = data.labels.clear;
  canvas.setAttribute("aria-label", data.labels.pad);
  pad.redraw();
}
