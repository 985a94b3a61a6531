// Browser test of wgcl: drives headless Chromium (WebGPU on SwiftShader) through the demo
// page. Usage: node tests/browser.mjs http://127.0.0.1:PORT/ [screenshot.png]
// Every wait is bounded; prints "N passed, M failed" last and exits non-zero on a failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

const url = process.argv[2] || 'http://127.0.0.1:8000/';
const shot = process.argv[3] || 'target/web-demo.png';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_MS = 120_000; // the most any one check may take
const ARGS = [
  '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader',
  '--no-sandbox', '--headless', '--disable-gpu-sandbox', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

let passed = 0, failed = 0;
const results = [];
function report(name, ok, detail = '') {
  if (ok) passed++; else failed++;
  results.push({ name, ok });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms); });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

async function check(name, fn) {
  try {
    const detail = await withTimeout(fn(), STEP_MS, name);
    report(name, true, typeof detail === 'string' ? detail : '');
  } catch (e) {
    report(name, false, String(e && e.message || e).split('\n').slice(0, 12).join('\n    '));
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// A whole-run watchdog: the browser or the page must never hang CI.
const watchdog = setTimeout(() => {
  console.log('FAIL watchdog: the browser test took longer than 5 minutes');
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(2);
}, 5 * 60_000);

const userDataDir = mkdtempSync(join(tmpdir(), 'wgcl-chromium-'));
let browser; // a persistent context on a fresh --user-data-dir (playwright refuses the flag in launch())
try {
  browser = await withTimeout(
    chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 60_000, viewport: { width: 1200, height: 1400 } }),
    90_000, 'launching chromium');
} catch (e) {
  report('launch chromium', false, e.message);
}

if (browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));

  await check('page loads and wgcl.init() opens a WebGPU device', async () => {
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForFunction(() => window.demo && window.demo.ready, null, { timeout: STEP_MS });
    const d = await page.evaluate(() => ({ noWebGPU: window.demo.noWebGPU, initError: window.demo.initError, device: window.demo.device }));
    assert(!d.noWebGPU && !d.initError, `no device: ${d.initError || 'navigator.gpu missing'}`);
    return `${d.device.name || '(unnamed)'} via ${d.device.backend}`;
  });

  await check('default Mandelbrot kernel ran; canvas is non-blank (screenshot saved)', async () => {
    await page.waitForFunction(() => window.demo.lastRun, null, { timeout: STEP_MS });
    const run = await page.evaluate(() => window.demo.lastRun);
    const fallback = await page.evaluate(() => window.demo.fallback);
    assert(run.ok, `the run failed: ${JSON.stringify(run).slice(0, 600)}`);
    const px = await page.evaluate(() => {
      const c = document.getElementById('picture');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const colours = new Set();
      let lit = 0, opaque = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] | d[i + 1] | d[i + 2]) lit++;
        if (d[i + 3] === 255) opaque++;
        colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      }
      return { lit, opaque, colours: colours.size, total: d.length / 4,
        centre: Array.from(c.getContext('2d').getImageData(c.width * 0.6 | 0, c.height / 2, 1, 1).data) };
    });
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert(px.opaque === px.total, `${px.total - px.opaque} pixels are not opaque (alpha != 255)`);
    assert(px.lit > px.total / 10 && px.colours > 20, `canvas looks blank: ${JSON.stringify(px)}`);
    // (-0.6 + 0.1*3, 0) is inside the main cardioid: black.
    assert(px.centre[0] === 0 && px.centre[1] === 0 && px.centre[2] === 0, `the set's interior is not black: ${px.centre}`);
    return `${px.lit}/${px.total} coloured pixels, ${px.colours} colours, built as ${run.language}` +
      (fallback ? ` (FELL BACK to WGSL: ${fallback.split('\n')[0]})` : '') + `; screenshot ${shot}`;
  });

  await check('the default run is OpenCL C (no WGSL fallback needed)', async () => {
    const f = await page.evaluate(() => window.demo.fallback);
    assert(!f, `fallback used: ${f}`);
  });

  await check('vector add (OpenCL C, float + {f32} scalar) equals the JS reference', async () => {
    const r = await page.evaluate(async () => {
      const wgcl = window.demo.wgcl;
      const n = 1000;
      const p = wgcl.buildProgram(`__kernel void vadd(__global const float* a, __global const float* b,
                                                     __global float* c, float k, uint n) {
          uint i = get_global_id(0);
          if (i < n) c[i] = a[i] + k * b[i];
        }`);
      const k = wgcl.kernel(p, 'vadd');
      const a = new Float32Array(n), b = new Float32Array(n);
      for (let i = 0; i < n; i++) { a[i] = i * 0.5 - 100; b[i] = Math.sin(i) * 3; }
      const A = wgcl.createBuffer(n * 4), B = wgcl.createBuffer(n * 4), C = wgcl.createBuffer(n * 4);
      k.setArg(0, A); k.setArg(1, B); k.setArg(2, C); k.setArg(3, { f32: 2 }); k.setArg(4, n);
      const wa = wgcl.enqueueWrite(A, a, []), wb = wgcl.enqueueWrite(B, b, []);
      const e = wgcl.enqueueNDRange(k, [1024], [64], [wa, wb]);
      const bytes = await wgcl.read(C, [e]);
      const c = new Float32Array(bytes.buffer, bytes.byteOffset, n);
      let bad = 0, first = null;
      for (let i = 0; i < n; i++) {
        const want = Math.fround(a[i] + Math.fround(2 * b[i]));
        if (c[i] !== want && Math.abs(c[i] - want) > 1e-5 * Math.abs(want)) { bad++; first ??= { i, got: c[i], want }; }
      }
      return { bad, first, status: e.status };
    });
    assert(r.bad === 0, `${r.bad} wrong elements, first ${JSON.stringify(r.first)}`);
    assert(r.status === 0, `kernel event status ${r.status}`);
  });

  await check('vector add in WGSL (u32, bare-number argument typed by reflection)', async () => {
    const r = await page.evaluate(async () => {
      const wgcl = window.demo.wgcl;
      const n = 256;
      const p = wgcl.buildProgram(`
        @group(0) @binding(0) var<storage, read> a: array<u32>;
        @group(0) @binding(1) var<storage, read_write> c: array<u32>;
        @group(0) @binding(2) var<uniform> add: u32;
        @compute @workgroup_size(64)
        fn addk(@builtin(global_invocation_id) g: vec3<u32>) { c[g.x] = a[g.x] + add; }`);
      const k = wgcl.kernel(p, 'addk');
      const a = new Uint32Array(n).map((_, i) => i * 7);
      const A = wgcl.createBuffer(n * 4), C = wgcl.createBuffer(n * 4);
      k.setArg(0, A); k.setArg(1, C); k.setArg(2, 1000);
      wgcl.enqueueWrite(A, a);
      wgcl.enqueueNDRange(k, n, 64);
      const out = new Uint32Array((await wgcl.read(C)).buffer);
      return out.every((v, i) => v === i * 7 + 1000);
    });
    assert(r, 'wrong output');
  });

  await check('__local argument ({local: bytes}) + barrier: work-group sums (OpenCL C)', async () => {
    const r = await page.evaluate(async () => {
      const wgcl = window.demo.wgcl;
      const p = wgcl.buildProgram(`__kernel void wgsum(__global const uint* in, __global uint* out, __local uint* tmp) {
          uint l = get_local_id(0);
          tmp[l] = in[get_global_id(0)];
          barrier(CLK_LOCAL_MEM_FENCE);
          for (uint s = get_local_size(0) / 2; s > 0; s >>= 1) {
            if (l < s) tmp[l] += tmp[l + s];
            barrier(CLK_LOCAL_MEM_FENCE);
          }
          if (l == 0) out[get_group_id(0)] = tmp[0];
        }`);
      const k = wgcl.kernel(p, 'wgsum');
      const n = 512, L = 64;
      const input = new Uint32Array(n).map((_, i) => i);
      const I = wgcl.createBuffer(n * 4), O = wgcl.createBuffer((n / L) * 4);
      k.setArg(0, I); k.setArg(1, O); k.setArg(2, { local: L * 4 });
      wgcl.enqueueWrite(I, input);
      wgcl.enqueueNDRange(k, n, L);
      const out = Array.from(new Uint32Array((await wgcl.read(O)).buffer));
      const want = Array.from({ length: n / L }, (_, g) => { let s = 0; for (let i = g * L; i < (g + 1) * L; i++) s += i; return s; });
      return { out, want };
    });
    assert(JSON.stringify(r.out) === JSON.stringify(r.want), `got ${r.out} want ${r.want}`);
  });

  await check('callbacks fire in status order SUBMITTED → RUNNING → COMPLETE with the right statuses', async () => {
    const r = await page.evaluate(async () => {
      const wgcl = window.demo.wgcl;
      const p = wgcl.buildProgram(`__kernel void inc(__global uint* x) { x[get_global_id(0)] += 1u; }`);
      const k = wgcl.kernel(p, 'inc');
      const X = wgcl.createBuffer(256 * 4);
      k.setArg(0, X);
      const w = wgcl.enqueueWrite(X, new Uint32Array(256));
      const e = wgcl.enqueueNDRange(k, 256, null, [w]);
      const log = [];
      // Registered in reverse order on purpose: the runtime orders them by status.
      for (const s of [wgcl.COMPLETE, wgcl.RUNNING, wgcl.SUBMITTED]) e.onStatus(s, (status, t) => log.push({ for: s, status, t, seen: e.status }));
      const before = e.status;
      const done = new Promise((res) => e.onStatus(wgcl.COMPLETE, res));
      wgcl.flush();
      await done;
      // A callback registered after the fact fires too (asynchronously).
      const late = await new Promise((res) => e.onStatus(wgcl.SUBMITTED, (s) => res(s)));
      const tl = e.timeline();
      return { before, log, late, tl };
    });
    assert(r.before === 3, `an unflushed command should be QUEUED(3), was ${r.before}`);
    const order = r.log.map((l) => l.for).join(',');
    assert(order === '2,1,0', `callback order ${order}, want 2,1,0`);
    assert(r.log.every((l) => l.status === l.for), `statuses ${JSON.stringify(r.log)}`);
    assert(r.log.every((l, i) => i === 0 || l.t >= r.log[i - 1].t), 'callback times go backwards');
    assert(r.late === 2, `a SUBMITTED callback registered after completion got ${r.late}, want 2 (its own status)`);
    const { queued, submit, start, end } = r.tl;
    assert(queued && submit && start && end && queued <= submit && submit <= start && start <= end, `timeline ${JSON.stringify(r.tl)}`);
    return `timeline queued→end ${(end - queued).toFixed(2)} ms`;
  });

  await check('user event set to -1: the gated kernel gets -14 in its COMPLETE callback; later commands still run', async () => {
    const r = await page.evaluate(async () => {
      const wgcl = window.demo.wgcl;
      const p = wgcl.buildProgram(`__kernel void fill(__global uint* x, uint v) { x[get_global_id(0)] = v; }`);
      const k = wgcl.kernel(p, 'fill');
      const X = wgcl.createBuffer(64 * 4);
      k.setArg(0, X); k.setArg(1, 7);
      const gate = wgcl.userEvent();
      const e = wgcl.enqueueNDRange(k, 64, null, [gate]);
      const log = [];
      for (const s of [wgcl.SUBMITTED, wgcl.RUNNING, wgcl.COMPLETE]) e.onStatus(s, (status) => log.push({ for: s, status }));
      const userLog = [];
      gate.onStatus(wgcl.COMPLETE, (status) => userLog.push(status));
      const done = new Promise((res) => e.onStatus(wgcl.COMPLETE, res));
      wgcl.flush();
      await new Promise((res) => setTimeout(res, 50));
      const whileGated = e.status;
      gate.setStatus(-1);
      const final = await done;
      // The in-order queue carries on: a later command (no failed event in its wait list) runs.
      k.setArg(1, 9);
      wgcl.enqueueNDRange(k, 64);
      const after = new Uint32Array((await wgcl.read(X)).buffer);
      return { whileGated, log, userLog, final, afterOk: after.every((v) => v === 9) };
    });
    assert(r.whileGated === 3, `the gated kernel should stay QUEUED(3), was ${r.whileGated}`);
    const complete = r.log.find((l) => l.for === 0);
    assert(complete && complete.status === -14, `COMPLETE callback got ${complete && complete.status}, want -14 (${JSON.stringify(r.log)})`);
    assert(r.log.every((l) => l.status === -14), `every callback should get -14: ${JSON.stringify(r.log)}`);
    assert(r.log.map((l) => l.for).join(',') === '2,1,0', `order ${JSON.stringify(r.log)}`);
    assert(r.userLog.join() === '-1', `user event callback got ${r.userLog}`);
    assert(r.final === -14, `wait status ${r.final}`);
    assert(r.afterOk, 'a later command did not run after the failure');
  });

  await check('demo page: the gated run (user event released after 200 ms) shows a timeline with callbacks', async () => {
    await page.check('#gate');
    const prev = await page.evaluate(() => window.demo.runs);
    await page.click('#run');
    await page.waitForFunction((p) => window.demo.lastRun && window.demo.lastRun.id > p, prev, { timeout: STEP_MS });
    const run = await page.evaluate(() => window.demo.lastRun);
    await page.uncheck('#gate');
    assert(run.ok, JSON.stringify(run).slice(0, 400));
    const nd = run.commands.find((c) => c.label.startsWith('NDRange'));
    assert(nd.fired.map((f) => f.for).join(',') === '2,1,0', `kernel callbacks ${JSON.stringify(nd.fired)}`);
    const gate = run.commands.find((c) => c.label.startsWith('user'));
    assert(nd.timeline.submit - nd.timeline.queued >= 150, `the kernel was not held by the gate: ${JSON.stringify(nd.timeline)}`);
    assert(nd.timeline.submit >= gate.timeline.end, 'the kernel was submitted before its gate completed');
    const bars = await page.evaluate(() => document.querySelectorAll('#timeline rect').length);
    const dots = await page.evaluate(() => document.querySelectorAll('#timeline circle').length);
    assert(bars >= 6 && dots >= 12, `timeline chart: ${bars} bars, ${dots} callback marks`);
    await page.screenshot({ path: shot, fullPage: true });
    return `kernel held ${(nd.timeline.submit - nd.timeline.queued).toFixed(0)} ms by the gate; ${bars} bars, ${dots} callback marks`;
  });

  await check('a kernel with a syntax error shows its build log with line:col', async () => {
    const bad = '__kernel void broken(__global uint* out) {\n    uint i = get_global_id(0)\n    out[i] = 1u;\n}\n';
    await page.fill('#source', bad);
    const prev = await page.evaluate(() => window.demo.runs);
    await page.click('#run');
    await page.waitForFunction((p) => window.demo.lastRun && window.demo.lastRun.id > p, prev, { timeout: STEP_MS });
    const shown = await page.evaluate(() => ({ hidden: document.getElementById('buildlog').hidden, text: document.getElementById('buildlog').textContent }));
    assert(!shown.hidden, 'the build log is not shown');
    const m = shown.text.match(/:(\d+):(\d+): error/);
    assert(m, `no line:col in the log: ${shown.text}`);
    assert(+m[1] >= 2 && +m[1] <= 3, `the error is reported at line ${m[1]}, want 2 or 3`);
    return shown.text.split('\n').slice(1, 2).join(' ');
  });

  await check('buildProgram throws a BuildError with .log (WGSL, line:col)', async () => {
    const e = await page.evaluate(() => {
      try { window.demo.wgcl.buildProgram('@compute @workgroup_size(1)\nfn main() {\n  let x = ;\n}\n'); return null; }
      catch (e) { return { name: e.name, log: e.log, message: e.message }; }
    });
    assert(e && e.name === 'BuildError', `did not throw a BuildError: ${JSON.stringify(e)}`);
    assert(/program\.wgsl:3:\d+: error/.test(e.log), `log: ${e.log}`);
    return e.log.split('\n')[0];
  });

  await page.close();

  await check('without navigator.gpu the page says "this browser has no WebGPU"', async () => {
    const p2 = await browser.newPage();
    await p2.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }); });
    await p2.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await p2.waitForFunction(() => window.demo && window.demo.ready, null, { timeout: 30_000 });
    const r = await p2.evaluate(async () => {
      let thrown = null;
      try { await window.demo.wgcl.init(); } catch (e) { thrown = e.name; }
      return { text: document.getElementById('nowebgpu').textContent, hidden: document.getElementById('nowebgpu').hidden, thrown };
    });
    await p2.close();
    assert(!r.hidden && /no WebGPU/.test(r.text), `message: ${JSON.stringify(r)}`);
    assert(r.thrown === 'NoWebGPU', `init() threw ${r.thrown}`);
  });

  const problems = consoleLines.filter((l) => /panicked|\[pageerror\]|RuntimeError|unreachable/.test(l));
  report('no panics or page errors on the console', problems.length === 0, problems.slice(0, 5).join('\n    '));
  if (failed) console.log('--- browser console (last 40 lines) ---\n' + consoleLines.slice(-40).join('\n'));
  await withTimeout(browser.close(), 20_000, 'closing chromium').catch(() => {});
}

rmSync(userDataDir, { recursive: true, force: true });
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
