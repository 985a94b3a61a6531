// The demo page: build the kernel in the textarea, run it, draw the picture and the event
// timeline. `window.demo` exposes the state for tests/browser.mjs.
import * as wgcl from './wgcl.js';

const $ = (id) => document.getElementById(id);
const W = 256, H = 256;
const VIEW = { cx: -0.6, cy: 0.0, scale: 3.0 / 256, maxIter: 200 };
const STATUS_LETTER = { 2: 'S', 1: 'R', 0: 'C' };

const demo = (window.demo = { ready: false, runs: 0, lastRun: null, noWebGPU: false, fallback: null, wgcl });
let defaults = { cl: '', wgsl: '' };

function setStatus(text) {
  $('status').textContent = text;
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

async function start() {
  if (!wgcl.hasWebGPU()) {
    demo.noWebGPU = true;
    $('nowebgpu').hidden = false;
    $('nowebgpu').textContent = 'This browser has no WebGPU (navigator.gpu is missing), so wgcl cannot run here. ' +
      'Try a recent Chrome or Edge, or a browser with WebGPU enabled.';
    $('run').disabled = true;
    setStatus('no WebGPU');
    demo.ready = true;
    return;
  }
  const [cl, wgsl] = await Promise.all(['kernels/mandelbrot.cl', 'kernels/mandelbrot.wgsl'].map((u) => fetch(u).then((r) => r.text())));
  defaults = { cl, wgsl };
  $('source').value = cl;
  let info;
  try {
    setStatus('opening the GPU…');
    info = await wgcl.init();
  } catch (e) {
    demo.noWebGPU = e.name === 'NoWebGPU';
    $('nowebgpu').hidden = false;
    $('nowebgpu').textContent = `wgcl could not start: ${e.message}`;
    setStatus('no usable WebGPU device');
    demo.ready = true;
    demo.initError = e.message;
    return;
  }
  $('device').textContent = `device: ${info.name || '(unnamed adapter)'} — backend ${info.backend}`;
  demo.device = info;
  $('run').onclick = () => { run().catch(reportError); };
  demo.ready = true;
  await run().catch(reportError);
}

function reportError(e) {
  setStatus('error');
  $('buildlog').hidden = false;
  $('buildlog').textContent = String(e && e.stack || e);
  demo.lastRun = { ok: false, error: String(e && e.message || e) };
}

function build(src) {
  try {
    return wgcl.buildProgram(src);
  } catch (e) {
    if (src !== defaults.cl) throw e;
    // The default OpenCL C kernel could not be built in this browser: say why, use WGSL.
    const why = e.log || e.message;
    demo.fallback = why;
    $('fallback').hidden = false;
    $('fallback').textContent = 'The OpenCL C front end could not build the default kernel in this browser, ' +
      'so the page uses the same kernel written in WGSL. The build log was:\n' + why;
    $('source').value = defaults.wgsl;
    return wgcl.buildProgram(defaults.wgsl);
  }
}

async function run() {
  demo.runs++;
  const runId = demo.runs;
  $('buildlog').hidden = true;
  setStatus('building…');
  const src = $('source').value;
  let program;
  try {
    program = build(src);
  } catch (e) {
    const log = e.log || e.message;
    $('buildlog').hidden = false;
    $('buildlog').textContent = 'Build failed:\n' + log;
    setStatus('build failed');
    demo.lastRun = { id: runId, ok: false, buildError: log };
    return demo.lastRun;
  }
  const names = program.kernelNames;
  const k = wgcl.kernel(program, names.includes('mandelbrot') ? 'mandelbrot' : names[0]);
  const out = wgcl.createBuffer(W * H * 4);
  k.setArg(0, out);
  // Bare numbers: the type comes from the kernel's argument (uint/float).
  [W, H, VIEW.cx, VIEW.cy, VIEW.scale, VIEW.maxIter].forEach((v, i) => { if (i + 1 < k.args.length) k.setArg(i + 1, v); });

  const cmds = [];
  const track = (label, ev) => {
    const c = { label, ev, fired: [] };
    for (const s of [wgcl.SUBMITTED, wgcl.RUNNING, wgcl.COMPLETE]) {
      ev.onStatus(s, (status, t) => c.fired.push({ for: s, status, t }));
    }
    cmds.push(c);
    return ev;
  };
  setStatus('running…');
  const clear = track('write (clear)', wgcl.enqueueWrite(out, new Uint8Array(W * H * 4), []));
  const waits = [clear];
  let gate = null;
  if ($('gate').checked) {
    gate = track('user event (gate)', wgcl.userEvent());
    cmds[cmds.length - 1].created = wgcl.now(); // user events have no QUEUED time: chart from creation
    waits.push(gate);
  }
  const nd = track(`NDRange ${k.name} ${W}×${H}`, wgcl.enqueueNDRange(k, [W, H], null, waits));
  const rd = track('read', wgcl.enqueueRead(out, [nd]));
  wgcl.flush();
  if (gate) {
    const fail = $('failgate').checked;
    setTimeout(() => gate.setStatus(fail ? -1 : wgcl.COMPLETE), 200);
  }
  // Each command's COMPLETE callback (registered after the tracking ones, so it runs last).
  await withTimeout(Promise.all(cmds.map((c) => new Promise((res) => c.ev.onStatus(wgcl.COMPLETE, res)))), 120000, 'the commands');
  let nonBlank = 0;
  if (rd.status === wgcl.COMPLETE) {
    const bytes = await rd.data();
    const img = new ImageData(new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength), W, H);
    $('picture').getContext('2d').putImageData(img, 0, 0);
    for (let i = 0; i < bytes.length; i += 4) if (bytes[i] | bytes[i + 1] | bytes[i + 2]) nonBlank++;
  }
  drawTimeline(cmds);
  const failed = cmds.filter((c) => c.ev.status < 0);
  setStatus(failed.length
    ? `done: ${failed.map((c) => `${c.label} ended with ${c.ev.status} (${wgcl.statusName(c.ev.status)})`).join('; ')}`
    : `done: ${nonBlank} coloured pixels`);
  demo.lastRun = {
    id: runId,
    ok: failed.length === 0,
    nonBlank,
    language: src.includes('@compute') && !src.includes('__kernel') ? 'wgsl' : 'opencl-c',
    commands: cmds.map((c) => ({ label: c.label, status: c.ev.status, timeline: c.ev.timeline(), fired: c.fired })),
  };
  return demo.lastRun;
}

function drawTimeline(cmds) {
  const svg = $('timeline');
  const NS = 'http://www.w3.org/2000/svg';
  const rows = cmds.map((c) => ({ c, t: c.ev.timeline() }));
  const times = rows.flatMap(({ c, t }) => [t.queued, c.created, t.submit, t.start, t.end, ...c.fired.map((f) => f.t)]).filter((x) => x != null);
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const LABEL = 215, WIDTH = 1000, ROW = 34, TOP = 22;
  const x = (t) => LABEL + ((t - t0) / Math.max(t1 - t0, 1e-3)) * (WIDTH - LABEL - 20);
  svg.setAttribute('height', TOP + ROW * rows.length + 8);
  svg.replaceChildren();
  const el = (name, attrs, text) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  // Axis: ms since the first recorded time.
  const span = t1 - t0;
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((s) => span / s <= 10) || 10000;
  for (let v = 0; v <= span + 1e-9; v += step) {
    el('line', { x1: x(t0 + v), x2: x(t0 + v), y1: TOP - 4, y2: TOP + ROW * rows.length, stroke: '#eee' });
    el('text', { x: x(t0 + v), y: 12, 'font-size': 10, 'text-anchor': 'middle', fill: '#666' }, `${+v.toFixed(1)} ms`);
  }
  rows.forEach(({ c, t }, i) => {
    const y = TOP + i * ROW;
    el('text', { x: 4, y: y + 16, 'font-size': 11 }, c.label);
    const q = t.queued ?? c.created ?? t.submit;
    const seg = (a, b, color) => {
      if (a == null || b == null) return;
      el('rect', { x: x(a), y: y + 4, width: Math.max(x(b) - x(a), 1.5), height: 16, fill: color });
    };
    if (c.created != null) {
      seg(c.created, t.end, c.ev.status < 0 ? '#d66' : '#8ab8e0'); // a user event: SUBMITTED until setStatus
    } else {
      seg(q, t.submit, '#bbb');
      seg(t.submit, t.start, '#f0c040');
      seg(t.start, t.end, c.ev.status < 0 ? '#d66' : '#3a9a4a');
    }
    c.fired.forEach((f, j) => {
      const cx = x(f.t), cy = y + 27;
      el('circle', { cx, cy, r: 5, fill: f.status < 0 ? '#800' : '#d33' });
      el('text', { x: cx + 6 + j * 8, y: cy + 4, 'font-size': 9, fill: '#800' }, `${STATUS_LETTER[f.for]}${f.status < 0 ? f.status : ''}`);
    });
  });
  // The table of times (ms since t0).
  const rel = (v) => (v == null ? '—' : (v - t0).toFixed(3));
  const table = $('times');
  table.innerHTML = '<tr><th>command</th><th>status</th><th>QUEUED</th><th>SUBMITTED</th><th>RUNNING</th><th>COMPLETE</th><th>callbacks fired (status @ ms)</th></tr>';
  for (const { c, t } of rows) {
    const tr = document.createElement('tr');
    const cells = [c.label, `${c.ev.status} ${wgcl.statusName(c.ev.status)}`, rel(t.queued), rel(t.submit), rel(t.start), rel(t.end),
      c.fired.map((f) => `${STATUS_LETTER[f.for]}:${f.status} @ ${rel(f.t)}`).join(', ')];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    table.appendChild(tr);
  }
}

demo.run = run;
start().catch(reportError);
