// tests/profiler/viewers/check.mjs — loads a trace dusk wrote into two real
// viewers' parsers and checks what they make of it.
//
//   node check.mjs NODE_MODULES TRACE EXPECT
//
// NODE_MODULES holds the packages of package-lock.json beside this file
// (scripts/install-deps.sh installs them into build/viewers/node_modules).
// EXPECT is JSON written by tests/profiler/test_viewers.c from dusk's own
// records: {"workers": [tids that ran tasks], "tasks": N, "edges": [[producer
// tid, its place, consumer tid, its place], ...], "functions": {"name":
// [count, total ns], ...}}; a task's place is its index among its worker's
// tasks in start order (dusk writes them in that order, strictly apart).
//
// The parsers:
//  - speedscope 1.25 (its Chrome trace importer, importProfileGroupFromText):
//    the package ships only its browser bundle, which is run in a node vm
//    with the few browser globals its top level touches, stopped before
//    it draws its page; importProfileGroupFromText is found by its export
//    name in the bundle.
//  - Chrome DevTools' trace_engine (TraceModel with all handlers).
// Both must: warn about nothing (console.warn/error are captured), give one
// thread per worker, nest no task under another, have per-function totals
// equal to dusk's (within the 1/1024 us that each written time may move),
// and trace_engine must find one flow per dependency edge, each from the
// producer's slice to the consumer's of that edge (the slices trace_engine
// bound the flow to, named by tid and place, against dusk's edges).
//
// Prints one line per parser; exits 1 with "FAIL: ..." lines on a failure.

import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import {pathToFileURL} from 'node:url';

// trace_engine calls Array.prototype.toSorted (node 20) in one of its
// Chrome-page insights; Debian 12's node is 18.
if (!Array.prototype.toSorted)
  Object.defineProperty(Array.prototype, 'toSorted', {
    value(f) { return [...this].sort(f); }, writable: true, configurable: true,
  });

const [modules, tracePath, expectPath] = process.argv.slice(2);
const text = fs.readFileSync(tracePath, 'utf8');
const expect = JSON.parse(fs.readFileSync(expectPath, 'utf8'));
const failures = [];
const fail = (who, msg) => failures.push(`FAIL: ${who}: ${msg}`);

// Each written time is within one unit (1/1024 us) of the measured one,
// and an end may be moved one more unit before the next start.
function checkTotals(who, totals) {
  for (const [name, [count, ns]] of Object.entries(expect.functions)) {
    const got = totals.get(name);
    if (!got) {
      fail(who, `no function "${name}" (found: ${[...totals.keys()].join(', ')})`);
      continue;
    }
    const want = ns / 1000;
    const tol = count * 3 / 1024 + 1e-9 * want;
    if (got.count !== undefined && got.count !== count)
      fail(who, `"${name}": ${got.count} tasks, dusk has ${count}`);
    if (Math.abs(got.total - want) > tol)
      fail(who, `"${name}": total ${got.total} us, dusk's summary ${want} us`);
  }
  for (const name of totals.keys())
    if (!(name in expect.functions))
      fail(who, `function "${name}" that dusk does not have`);
}

function sameSet(a, b) {
  return a.length === b.length && a.every(x => b.includes(x));
}

// Each flow against dusk's edges. trace_engine binds a flow's events to
// the slices of the same ts, pid, tid and cat, and gives a flow as those
// slices in time order (not which end was "s"): a producer's slice starts
// before its consumer's, so the first is the producer.
function checkFlows(who, processes, flows) {
  const place = new Map();   // "pid:tid:ts" of a task slice -> "tid#place"
  for (const [pid, proc] of processes)
    for (const [tid, th] of proc.threads)
      th.entries.filter(e => e.cat === 'task' && e.ph === 'X')
        .sort((a, b) => a.ts - b.ts)
        .forEach((e, k) => place.set(`${pid}:${tid}:${e.ts}`, `${tid}#${k}`));
  const want = new Map();
  for (const [pt, pk, ct, ck] of expect.edges) {
    const edge = `${pt}#${pk} -> ${ct}#${ck}`;
    want.set(edge, (want.get(edge) ?? 0) + 1);
  }
  const wrong = [];
  for (const f of flows) {
    const ends = [...f].sort((a, b) => a.ts - b.ts)
      .map(e => place.get(`${e.pid}:${e.tid}:${e.ts}`));
    const edge = f.length === 2 && ends.every(x => x) ? `${ends[0]} -> ${ends[1]}` : null;
    if (edge && want.get(edge)) {
      want.set(edge, want.get(edge) - 1);
    } else {
      wrong.push(edge ?? `${f.length} events: ` +
                 f.map(e => `${e.name} ${e.ph} tid ${e.tid} ts ${e.ts}`).join(', '));
    }
  }
  const missing = [...want].filter(([, n]) => n > 0).map(([edge]) => edge);
  if (flows.length !== expect.edges.length || wrong.length || missing.length)
    fail(who, `${flows.length} flows, want one per dependency edge: ${expect.edges.length}; ` +
              `${wrong.length} not an edge of dusk's (tid#place of the slices), the first: ` +
              `${wrong[0] ?? '-'}; ${missing.length} edges without their flow, the first: ` +
              `${missing[0] ?? '-'}`);
}

async function speedscope() {
  const who = 'speedscope';
  const dir = path.join(modules, 'speedscope/dist/release');
  const file = fs.readdirSync(dir).find(f => /^speedscope-.*\.js$/.test(f));
  let src = fs.readFileSync(path.join(dir, file), 'utf8');
  const exp = /var ([\w$]+)=\{\};[\w$]+\(\1,\{[^}]*importProfileGroupFromText:\(\)=>[\w$]+/.exec(src);
  if (!exp)
    throw new Error(`no importProfileGroupFromText export in ${file}`);
  const esc = exp[1].replace(/\$/g, '\\$');
  const init = new RegExp(`Promise\\.resolve\\(\\)\\.then\\(\\(\\)=>\\(([\\w$]+)\\(\\),${esc}\\)\\)`).exec(src);
  const draw = src.lastIndexOf('console.log(`speedscope v');
  if (!init || draw < 0)
    throw new Error(`${file} is not laid out as speedscope 1.25's bundle`);
  src = src.slice(0, draw) + `globalThis.__dusk={init:${init[1]},exports:${exp[1]}};return;` +
        src.slice(draw);
  const warnings = [];
  const say = (...a) => warnings.push(a.join(' '));
  const ctx = {
    console: {log() {}, info() {}, debug() {}, warn: say, error: say},
    location: {hash: '', protocol: 'file:', href: 'file:///'},
    localStorage: {},
    matchMedia: () => ({matches: false, addEventListener() {}, addListener() {}}),
    navigator: {userAgent: 'node', platform: 'Linux'},
    document: {addEventListener() {}, createElement: () => ({style: {}, getContext: () => null}),
               body: {}},
    addEventListener() {},
    TextDecoder, TextEncoder, setTimeout, clearTimeout, URL, atob, btoa, queueMicrotask,
  };
  ctx.globalThis = ctx.window = ctx.self = ctx;
  vm.createContext(ctx);
  vm.runInContext(src, ctx, {filename: file});
  ctx.__dusk.init();
  const group = await ctx.__dusk.exports.importProfileGroupFromText(path.basename(tracePath), text);
  if (!group)
    return fail(who, 'did not recognise the trace');
  if (warnings.length)
    fail(who, `${warnings.length} warning(s), the first: ${warnings[0]}`);
  const names = group.profiles.map(p => p.getName());
  const want = expect.workers.map(w => `dusk (pid 1), worker ${w} (tid ${w})`);
  if (!sameSet(names, want))
    fail(who, `threads ${JSON.stringify(names)}, want ${JSON.stringify(want)}`);
  const totals = new Map();
  let nested = 0, calls = 0;
  for (const p of group.profiles) {
    let depth = 0;
    p.forEachCall(node => {
      if (depth++ > 0)
        nested++;
      calls++;
    }, () => depth--);
    p.forEachFrame(f => {
      const t = totals.get(f.name) ?? {total: 0};
      t.total += f.getTotalWeight();
      totals.set(f.name, t);
    });
  }
  if (nested)
    fail(who, `${nested} of ${calls} tasks nested under another`);
  if (calls !== expect.tasks)
    fail(who, `${calls} tasks, dusk recorded ${expect.tasks}`);
  checkTotals(who, totals);
  console.log(`${who}: ${group.profiles.length} threads, ${calls} tasks, ${nested} nested, ` +
              `${totals.size} functions, ${warnings.length} warnings`);
}

async function traceEngine() {
  const who = 'trace_engine';
  const base = path.join(modules, '@paulirish/trace_engine');
  const warnings = [];
  const saved = [console.warn, console.error];
  console.warn = console.error = (...a) => warnings.push(a.join(' '));
  let data;
  try {
    // trace_engine expects a browser: its own script's DOMRect polyfill.
    const {polyfillDOMRect} = await import(pathToFileURL(path.join(base, 'analyze-trace.mjs')));
    if (typeof DOMRect === 'undefined')
      polyfillDOMRect();
    const Trace = await import(pathToFileURL(path.join(base, 'models/trace/trace.js')));
    const model = Trace.TraceModel.Model.createWithAllHandlers();
    await model.parse(JSON.parse(text).traceEvents);
    data = model.parsedTrace().data;
  } finally {
    [console.warn, console.error] = saved;
  }
  if (warnings.length)
    fail(who, `${warnings.length} warning(s), the first: ${warnings[0]}`);
  const perWarning = Object.keys(data.Warnings.perWarning ?? {});
  if (perWarning.length)
    fail(who, `trace warnings: ${perWarning.join(', ')}`);
  const threads = [];
  const totals = new Map();
  let nested = 0, tasks = 0;
  for (const [pid, proc] of data.Renderer.processes)
    for (const [tid, th] of proc.threads) {
      const slices = th.entries.filter(e => e.cat === 'task' && e.ph === 'X');
      if (!slices.length)
        continue;
      threads.push(`${pid}:${tid}:${th.name}`);
      for (const e of slices) {
        tasks++;
        if (data.Renderer.entryToNode.get(e)?.parent)
          nested++;
        const t = totals.get(e.name) ?? {total: 0, count: 0};
        t.total += e.dur;
        t.count++;
        totals.set(e.name, t);
      }
    }
  const want = expect.workers.map(w => `1:${w}:worker ${w}`);
  if (!sameSet(threads, want))
    fail(who, `threads ${JSON.stringify(threads)}, want ${JSON.stringify(want)}`);
  if (nested)
    fail(who, `${nested} of ${tasks} tasks nested under another`);
  if (tasks !== expect.tasks)
    fail(who, `${tasks} tasks, dusk recorded ${expect.tasks}`);
  checkTotals(who, totals);
  checkFlows(who, data.Renderer.processes, data.Flows.flows);
  console.log(`${who}: ${threads.length} threads, ${tasks} tasks, ${nested} nested, ` +
              `${totals.size} functions, ${data.Flows.flows.length} flows, ` +
              `${warnings.length} warnings`);
}

try {
  await speedscope();
  await traceEngine();
} catch (e) {
  failures.push(`FAIL: ${e.stack}`);
}
for (const f of failures.slice(0, 12))
  console.log(f.length > 600 ? f.slice(0, 600) + ' ...' : f);
if (failures.length > 12)
  console.log(`FAIL: ... and ${failures.length - 12} more`);
process.exit(failures.length ? 1 : 0);
