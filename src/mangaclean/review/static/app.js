// mangaclean review: chapter grid and page editor on a canvas. Plain JavaScript, no build step.
// Every request carries the per-run token (header for fetch, query for the page itself).
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const init = { headers: { "X-Mangaclean-Token": TOKEN } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = response.statusText;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status}: ${message}`);
  }
  const type = response.headers.get("content-type") || "";
  if (type.startsWith("application/json")) return response.json();
  return response.status === 204 ? null : response.blob();
}

async function bitmap(path) {
  return createImageBitmap(await api(path));
}

// ---------------------------------------------------------------- chapter view
const chapter = { pages: [], selected: 0, timer: null, thumbs: {} };

async function showChapter() {
  $("page").hidden = true;
  $("chapter").hidden = false;
  history.replaceState(null, "", location.pathname + location.search);
  await refreshChapter();
  if (!chapter.timer) chapter.timer = setInterval(refreshChapter, 1500);
}

async function refreshChapter() {
  if ($("chapter").hidden) return;
  const [pages, progress] = await Promise.all([api("/api/pages"), api("/api/status")]);
  chapter.pages = pages;
  const busy = progress.cleaned + progress.failed < progress.total;
  $("progress").textContent = busy
    ? `cleaning ${progress.cleaned + progress.failed + 1}/${progress.total}${progress.current ? ": " + progress.current : ""}`
    : `${progress.total} pages cleaned` + (progress.failed ? `, ${progress.failed} failed` : "");
  renderGrid();
}

function renderGrid() {
  const grid = $("grid");
  chapter.pages.forEach((page, index) => {
    let card = grid.children[index];
    if (!card || card.dataset.id !== page.id) {
      card = document.createElement("div");
      card.className = "card";
      card.dataset.id = page.id;
      card.innerHTML = '<div class="placeholder">not cleaned</div><div class="name"></div><span class="badge"></span>';
      card.addEventListener("click", () => { chapter.selected = index; openPage(page.id); });
      grid.insertBefore(card, grid.children[index] || null);
    }
    card.querySelector(".name").textContent = page.name;
    card.title = page.error || page.name;
    const badge = card.querySelector(".badge");
    badge.textContent = page.state;
    badge.className = "badge " + page.state.replace(" ", "-");
    card.dataset.state = page.state;
    card.classList.toggle("selected", index === chapter.selected);
    const stamp = `${page.state}/${page.edits}`;
    if (page.state !== "not cleaned" && page.state !== "failed" && chapter.thumbs[page.id] !== stamp) {
      chapter.thumbs[page.id] = stamp;
      api(`/api/pages/${page.id}/thumb`).then((blob) => {
        if (!blob) { delete chapter.thumbs[page.id]; return; }
        const img = document.createElement("img");
        img.className = "thumb";
        img.alt = page.name;
        img.src = URL.createObjectURL(blob);
        card.replaceChild(img, card.firstChild);
      }).catch(() => { delete chapter.thumbs[page.id]; });
    }
  });
  while (grid.children.length > chapter.pages.length) grid.lastChild.remove();
}

async function approveSelected(pageId) {
  const page = chapter.pages.find((p) => p.id === pageId);
  await api(`/api/pages/${pageId}/approve`, { approved: !(page && page.state === "approved") });
}

// ---------------------------------------------------------------- page view
const view = {
  id: null, info: null, original: null, cleaned: null, mask: null,
  scale: 1, ox: 0, oy: 0, tool: "brush", before: false, showMask: true,
  stroke: null, pending: [], drag: null, spaceDown: false, queue: Promise.resolve(),
};
const canvas = $("view");
const ctx = canvas.getContext("2d");

function setStatus(text) { $("status").textContent = text; }

async function openPage(pageId) {
  clearInterval(chapter.timer);
  chapter.timer = null;
  $("chapter").hidden = true;
  $("page").hidden = false;
  history.replaceState(null, "", location.pathname + location.search + "#page=" + pageId);
  view.id = pageId;
  view.original = view.cleaned = view.mask = null;
  setStatus("cleaning…");
  $("page-name").textContent = "";
  draw();
  try {
    view.info = await api(`/api/pages/${pageId}`);
    if (view.id !== pageId) return;
    $("page-name").textContent = view.info.name;
    setBadge(view.info.state);
    const [original, cleaned, mask] = await Promise.all([
      bitmap(`/api/pages/${pageId}/image/original`),
      bitmap(`/api/pages/${pageId}/image/cleaned`),
      bitmap(`/api/pages/${pageId}/image/mask`),
    ]);
    if (view.id !== pageId) return;
    Object.assign(view, { original, cleaned, mask });
    fit();
    setStatus("ready");
  } catch (error) {
    setStatus(String(error.message || error));
  }
  draw();
}

function setBadge(state) {
  const badge = $("state");
  badge.textContent = state;
  badge.className = "badge " + state.replace(" ", "-");
  $("approve").textContent = state === "approved" ? "Unapprove" : "Approve";
}

async function refreshPage(withCleaned) {
  const pageId = view.id;
  const [info, mask, cleaned] = await Promise.all([
    api(`/api/pages/${pageId}`),
    bitmap(`/api/pages/${pageId}/image/mask`),
    withCleaned ? bitmap(`/api/pages/${pageId}/image/cleaned`) : Promise.resolve(view.cleaned),
  ]);
  if (view.id !== pageId) return;
  Object.assign(view, { info, mask, cleaned });
  setBadge(info.state);
  draw();
}

function fit() {
  const rect = canvas.getBoundingClientRect();
  if (!view.info) return;
  view.scale = Math.min(rect.width / view.info.width, rect.height / view.info.height) * 0.98;
  view.ox = (rect.width - view.info.width * view.scale) / 2;
  view.oy = (rect.height - view.info.height * view.scale) / 2;
}

function toPage(clientX, clientY) {
  const rect = canvas.getBoundingClientRect();
  return [(clientX - rect.left - view.ox) / view.scale, (clientY - rect.top - view.oy) / view.scale];
}

function toScreen(x, y) {  // page pixels -> client coordinates (used by the browser tests)
  const rect = canvas.getBoundingClientRect();
  return [rect.left + view.ox + x * view.scale, rect.top + view.oy + y * view.scale];
}

function draw() {
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  if (canvas.width !== Math.round(rect.width * dpr) || canvas.height !== Math.round(rect.height * dpr)) {
    canvas.width = Math.round(rect.width * dpr);
    canvas.height = Math.round(rect.height * dpr);
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, rect.width, rect.height);
  const image = view.before ? view.original : view.cleaned;
  if (!image) return;
  ctx.save();
  ctx.translate(view.ox, view.oy);
  ctx.scale(view.scale, view.scale);
  ctx.imageSmoothingEnabled = view.scale < 2;
  ctx.drawImage(image, 0, 0);
  if (view.showMask && view.mask) {
    ctx.globalAlpha = 0.45;
    ctx.drawImage(view.mask, 0, 0);
    ctx.globalAlpha = 1;
  }
  if (view.tool === "block" && view.info) {
    ctx.lineWidth = 2 / view.scale;
    for (const block of view.info.blocks) {
      ctx.strokeStyle = block.kept ? "#aaa" : "#33d17a";
      ctx.setLineDash(block.kept ? [6 / view.scale, 4 / view.scale] : []);
      ctx.strokeRect(...block.box);
    }
    ctx.setLineDash([]);
  }
  for (const stroke of view.stroke ? [...view.pending, view.stroke] : view.pending) {
    ctx.strokeStyle = stroke.mode === "brush" ? "rgba(255,60,60,0.7)" : "rgba(60,160,255,0.7)";
    ctx.lineWidth = 2 * stroke.radius;
    ctx.lineCap = ctx.lineJoin = "round";
    ctx.beginPath();
    stroke.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (stroke.points.length === 1) ctx.lineTo(...stroke.points[0]);
    ctx.stroke();
  }
  ctx.restore();
}

let frame = 0;
function redraw() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
}

function setTool(tool) {
  view.tool = tool;
  document.querySelectorAll(".tool").forEach((b) => b.classList.toggle("active", b.dataset.tool === tool));
  canvas.style.cursor = tool === "pan" ? "grab" : "crosshair";
  redraw();
}

function radius() { return Number($("size").value) / 2; }

canvas.addEventListener("pointerdown", (event) => {
  if (!view.info) return;
  canvas.setPointerCapture(event.pointerId);
  const pan = view.tool === "pan" || view.spaceDown || event.button === 1 || event.button === 2;
  if (pan) {
    view.drag = { x: event.clientX, y: event.clientY, ox: view.ox, oy: view.oy };
    return;
  }
  const [x, y] = toPage(event.clientX, event.clientY);
  if (view.tool === "block") {
    clickBlock(x, y);
    return;
  }
  view.stroke = { mode: view.tool, radius: radius(), points: [[x, y]] };
  redraw();
});

canvas.addEventListener("pointermove", (event) => {
  if (view.drag) {
    view.ox = view.drag.ox + event.clientX - view.drag.x;
    view.oy = view.drag.oy + event.clientY - view.drag.y;
    redraw();
  } else if (view.stroke) {
    const [x, y] = toPage(event.clientX, event.clientY);
    const last = view.stroke.points[view.stroke.points.length - 1];
    if (Math.hypot(x - last[0], y - last[1]) * view.scale >= 1.5) {
      view.stroke.points.push([x, y]);
      redraw();
    }
  }
});

function endPointer() {
  view.drag = null;
  if (!view.stroke) return;
  const stroke = view.stroke;
  view.stroke = null;
  view.pending.push(stroke);  // drawn until the server's mask shows it
  const points = stroke.points.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
  edit({ kind: "stroke", mode: stroke.mode, radius: stroke.radius, points }).finally(() => {
    view.pending = view.pending.filter((s) => s !== stroke);
    redraw();
  });
}
canvas.addEventListener("pointerup", endPointer);
canvas.addEventListener("pointercancel", endPointer);
canvas.addEventListener("contextmenu", (event) => event.preventDefault());

canvas.addEventListener("wheel", (event) => {
  event.preventDefault();
  const rect = canvas.getBoundingClientRect();
  const mx = event.clientX - rect.left, my = event.clientY - rect.top;
  const factor = Math.exp(-event.deltaY * 0.0015);
  const scale = Math.min(32, Math.max(0.02, view.scale * factor));
  view.ox = mx - ((mx - view.ox) * scale) / view.scale;
  view.oy = my - ((my - view.oy) * scale) / view.scale;
  view.scale = scale;
  redraw();
}, { passive: false });

function edit(body) {
  // Queued with the commands, so a re-clean asked right after a stroke includes it.
  const pageId = view.id;
  const run = async () => {
    setStatus("saving edit…");
    try {
      const { seq } = await api(`/api/pages/${pageId}/edits`, body);
      if (view.id === pageId) await refreshPage(false);
      setStatus(`edit ${seq} stored; Re-clean (R) applies it`);
    } catch (error) {
      setStatus(`edit refused: ${error.message}`);
    }
  };
  view.queue = view.queue.then(run);
  return view.queue;
}

function clickBlock(x, y) {
  const hits = view.info.blocks.filter(({ box: [bx, by, bw, bh] }) => x >= bx && y >= by && x < bx + bw && y < by + bh);
  if (!hits.length) { setStatus("no text block here"); return; }
  hits.sort((a, b) => a.box[2] * a.box[3] - b.box[2] * b.box[3]);
  const block = hits[0];
  edit({ kind: "block", block: block.block, action: block.kept ? "erase" : "keep" });
}

function command(name, body, message) {
  // One after the other: a key pressed while a re-clean runs waits for it (never dropped).
  const pageId = view.id;
  const run = async () => {
    if (!pageId) return;
    try {
      const result = await api(`/api/pages/${pageId}/${name}`, typeof body === "function" ? body() : body);
      if (view.id === pageId) await refreshPage(name !== "approve");
      setStatus(message(result));  // once the view shows it
    } catch (error) {
      setStatus(`${name} failed: ${error.message}`);
    }
  };
  view.queue = view.queue.then(run);
  return view.queue;
}

const actions = {
  undo: () => command("undo", {}, (r) => (r.changed ? "undone" : "nothing to undo")),
  redo: () => command("redo", {}, (r) => (r.changed ? "redone" : "nothing to redo")),
  reclean: () => command("reclean", {}, (r) => `re-cleaned in ${(r.seconds * 1000).toFixed(0)} ms`),
  approve: () => command("approve", () => ({ approved: !(view.info && view.info.state === "approved") }),
    (r) => (r.approved ? "approved" : "approval withdrawn")),
  save: () => command("save", {}, (r) => "saved: " + Object.values(r.written).join(", ")),
};

function step(delta) {
  const index = chapter.pages.findIndex((p) => p.id === view.id);
  const next = chapter.pages[index + delta];
  if (next) { chapter.selected = index + delta; openPage(next.id); }
}

function toggleBefore() {
  view.before = !view.before;
  $("toggle-before").textContent = view.before ? "Before" : "After";
  $("toggle-before").classList.toggle("active", view.before);
  redraw();
}

function toggleMask() {
  view.showMask = !view.showMask;
  $("toggle-mask").textContent = view.showMask ? "Mask on" : "Mask off";
  redraw();
}

function setSize(value) {
  $("size").value = Math.max(1, Math.min(200, value));
  $("size-value").textContent = $("size").value;
}

$("back").onclick = showChapter;
$("prev").onclick = () => step(-1);
$("next").onclick = () => step(1);
$("toggle-before").onclick = toggleBefore;
$("toggle-mask").onclick = toggleMask;
$("size").oninput = () => setSize(Number($("size").value));
document.querySelectorAll(".tool").forEach((b) => (b.onclick = () => setTool(b.dataset.tool)));
for (const name of Object.keys(actions)) $(name).onclick = actions[name];

document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT" && event.target.type !== "range") return;
  const key = event.key;
  if (!$("chapter").hidden) {
    const pages = chapter.pages;
    if (key === "ArrowRight" || key === "j") chapter.selected = Math.min(chapter.selected + 1, pages.length - 1);
    else if (key === "ArrowLeft" || key === "k") chapter.selected = Math.max(chapter.selected - 1, 0);
    else if (key === "Enter" && pages[chapter.selected]) openPage(pages[chapter.selected].id);
    else if (key === "a" && pages[chapter.selected]) approveSelected(pages[chapter.selected].id).then(refreshChapter);
    else return;
    event.preventDefault();
    renderGrid();
    return;
  }
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && key.toLowerCase() === "z") actions[event.shiftKey ? "redo" : "undo"]();
  else if (ctrl && key === "y") actions.redo();
  else if (ctrl) return;
  else if (key === "Escape") showChapter();
  else if (key === "PageDown" || key === "ArrowRight") step(1);
  else if (key === "PageUp" || key === "ArrowLeft") step(-1);
  else if (key === "b") setTool("brush");
  else if (key === "e") setTool("eraser");
  else if (key === "k") setTool("block");
  else if (key === "h") setTool("pan");
  else if (key === "t") toggleBefore();
  else if (key === "m") toggleMask();
  else if (key === "r") actions.reclean();
  else if (key === "a") actions.approve();
  else if (key === "s") actions.save();
  else if (key === "f") { fit(); redraw(); }
  else if (key === "[") setSize(Number($("size").value) - 2);
  else if (key === "]") setSize(Number($("size").value) + 2);
  else if (key === " ") { view.spaceDown = true; canvas.style.cursor = "grab"; }
  else return;
  event.preventDefault();
});
document.addEventListener("keyup", (event) => {
  if (event.key === " ") { view.spaceDown = false; setTool(view.tool); }
});
window.addEventListener("resize", redraw);

// The browser tests drive the page through these.
window.mangaclean = { view, toScreen, openPage, showChapter };

setTool("brush");
setSize(12);
const start = new URLSearchParams(location.hash.slice(1)).get("page");
showChapter().then(() => {
  if (start && chapter.pages.some((p) => p.id === start)) {
    chapter.selected = chapter.pages.findIndex((p) => p.id === start);
    openPage(start);
  }
});
