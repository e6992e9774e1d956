// WCAG AA measures run in the page by tests/e2e/browser/a11y.py (argument: minimum text px, 0 for none).
(minPx) => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (t, b) => (t * top.a + b * bottom.a * (1 - top.a)) / (a || 1);
    return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
  };
  const lum = (c) => {
    const ch = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  };
  const background = (el) => {
    let layers = [];
    for (let n = el; n; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.backgroundImage && s.backgroundImage !== "none") return null;
      const c = parse(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let base = { r: 255, g: 255, b: 255, a: 1 };  // the canvas
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const out = { checked: 0, failures: [], unmeasured: 0, small: [] };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(" ");
    const isInput = el.matches("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button");
    const text = own || (isInput ? (el.value || el.placeholder || "") : "");
    if (!text) continue;
    const rect = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (rect.width === 0 || rect.height === 0 || s.visibility === "hidden" || s.display === "none" || Number(s.opacity) === 0) continue;
    if (el.closest("[hidden], [aria-hidden=true]")) continue;
    const bg = background(el);
    if (!bg) { out.unmeasured++; continue; }
    let fg = parse(s.color);
    if (!fg) continue;
    if (fg.a < 1) fg = over(fg, bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const px = parseFloat(s.fontSize);
    const large = px >= 24 || (px >= 18.66 && Number(s.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    const where = (el.getAttribute("data-testid") ? `[data-testid=${el.getAttribute("data-testid")}]` : el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""));
    out.checked++;
    if (ratio + 1e-6 < need) out.failures.push({ where, text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, need, px });
    if (minPx && px + 0.01 < minPx) out.small.push({ where, text: text.slice(0, 40), px });
  }
  return out;
}
