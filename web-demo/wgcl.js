// wgcl in the browser: the JavaScript entry of the OpenCL-like API.
//
//   import * as wgcl from './wgcl.js';
//   await wgcl.init();                       // throws (name 'NoWebGPU') without navigator.gpu
//   const prog = wgcl.buildProgram(src);     // OpenCL C or WGSL; throws BuildError with .log
//   const k = wgcl.kernel(prog, 'add');
//   k.setArg(0, buf); k.setArg(1, {f32: 2}); k.setArg(2, {local: 256});
//   const w = wgcl.enqueueWrite(buf, new Float32Array(n), []);
//   const e = wgcl.enqueueNDRange(k, [n], null, [w]);
//   e.onStatus(wgcl.COMPLETE, (status, timeMs) => ...);
//   const bytes = await wgcl.read(buf);      // Uint8Array
//   e.timeline()                             // {queued, submit, start, end} in ms (now() base)
//
// The bindings come from wasm-bindgen (`scripts/web.sh` puts them in ./pkg/).
import loadWasm, * as raw from './pkg/wgcl_web.js';

export const COMPLETE = 0;
export const RUNNING = 1;
export const SUBMITTED = 2;
export const QUEUED = 3;
export const ERROR_FOR_EVENTS_IN_WAIT_LIST = -14;

let loaded = null;

/** True when the browser exposes WebGPU (`navigator.gpu`). */
export function hasWebGPU() {
  return typeof navigator !== 'undefined' && !!navigator.gpu;
}

/** Loads the wasm module, opens the GPU and makes the context + in-order queue.
 *  Resolves to {name, vendor, backend, ...}. */
export async function init() {
  if (!hasWebGPU()) {
    const e = new Error('this browser has no WebGPU (navigator.gpu is missing): wgcl needs WebGPU; ' +
      'try a recent Chrome/Edge, or Firefox/Safari with WebGPU enabled');
    e.name = 'NoWebGPU';
    throw e;
  }
  loaded ??= loadWasm();
  await loaded;
  return raw.init();
}

export const createBuffer = (size) => raw.createBuffer(size);
export const buildProgram = (source, options) => raw.buildProgram(source, options);
export const kernel = (program, name) => raw.kernel(program, name);
export const setArg = (k, i, value) => k.setArg(i, value);
export const enqueueWrite = (buf, data, waitList = [], offset = 0) => raw.enqueueWrite(buf, data, waitList, offset);
export const enqueueNDRange = (k, global, local = null, waitList = []) => raw.enqueueNDRange(k, global, local, waitList);
export const enqueueRead = (buf, waitList = []) => raw.enqueueRead(buf, waitList);
export const read = (buf, waitList = []) => raw.read(buf, waitList);
export const userEvent = () => raw.userEvent();
export const flush = () => raw.flush();
export const finish = () => raw.finish();
export const now = () => raw.now();
export const statusName = (s) => raw.statusName(s);

/** Typed scalar arguments: setArg(i, f32(1.5)). */
export const f32 = (x) => ({ f32: x });
export const u32 = (x) => ({ u32: x });
export const i32 = (x) => ({ i32: x });
export const local = (bytes) => ({ local: bytes });
