/* The innermost elements that reach past the viewport's right edge (not clipped by a
 * scrolling box): what makes a page wider than the screen. Used by tests/fixtures/axe.py. */
(limit => {
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= window.innerWidth + 1 || r.width === 0) continue;
    const child = [...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1);
    if (child) continue;
    let clipped = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") { clipped = true; break; }
    }
    if (clipped) continue;
    let path = el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
    const parent = el.parentElement;
    if (parent) path = parent.tagName.toLowerCase() + (parent.className && typeof parent.className === "string" ? "." + parent.className.trim().split(/\s+/).join(".") : "") + " > " + path;
    out.push(path + " (right " + Math.round(r.right) + ")");
    if (out.length >= limit) break;
  }
  return out;
})
