// The vendors' response shapes as the oracle of the storefront emulators:
// runs the whole scenario suite under `kinsync check --journal`, then
// validates every response body the BigCommerce and WooCommerce emulators
// sent against the schema of its operation (shapes/*.json, facts from the
// platforms' API references; see shapes/README.md). Fails on any body that
// misses a required field or has a wrong type, on a 2xx answer of an
// operation the shapes do not know, and when no body was checked at all.
// Bodies a fault rule wrote (the scenario's own text), bodies the journal
// cut at its size bound, and error statuses the reference does not
// describe are counted and listed, never silently dropped.
// Usage: node responses.mjs KINSYNC REPO_ROOT SHAPES_DIR WORK_DIR
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";

const [kinsync, root, shapesDir, work] = process.argv.slice(2);
if (!kinsync || !root || !shapesDir || !work) {
  console.error("usage: node responses.mjs KINSYNC REPO_ROOT SHAPES_DIR WORK_DIR");
  process.exit(2);
}

// Where the emulator's route templates sit under the vendor's base URL.
const platforms = {
  bigcommerce: { prefix: "/stores/{store_hash}" },
  woocommerce: { prefix: "/wp-json" },
};
// Departures the emulators make on purpose, each documented in the
// emulator's README: a pattern over "METHOD template status" -> the reason.
const departures = [
  [/^GET \/v2\/orders(\/\{\}\/(products|shipping_addresses|coupons))? 204$/,
    "an empty v2 list answers 204 (empty_list_204; widely reported, not in the spec)"],
];
// A reply narrowed on request (WordPress _fields, BigCommerce
// include_fields / exclude_fields) lacks required members by design: its
// types are checked, not its required lists.
const narrowing = /(^|&)(_fields|include_fields|exclude_fields)=/;
function withoutRequired(schema) {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema))
    if (k !== "required") out[k] = withoutRequired(v);
  return out;
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const shapes = {};
for (const p of Object.keys(platforms))
  shapes[p] = JSON.parse(fs.readFileSync(path.join(shapesDir, `${p}.json`), "utf8"));
const compiled = new Map();
function validator(p, key, status, schema) {
  const id = `${p} ${key} ${status}`;
  if (!compiled.has(id)) compiled.set(id, ajv.compile(schema));
  return compiled.get(id);
}

// "GET /wc/v3/orders/{}" for the shapes' keys and the journal's routes.
const norm = (key) => key.replace(/\{[^}]*\}/g, "{}");
const index = {};
for (const p of Object.keys(platforms)) {
  index[p] = new Map();
  for (const key of Object.keys(shapes[p].operations)) index[p].set(norm(key), key);
}

// The operation of a journal entry: WordPress EDITABLE routes take POST,
// PUT and PATCH for an update; the references list PUT.
function operation(p, route) {
  const sp = route.indexOf(" ");
  const method = route.slice(0, sp);
  let tpl = route.slice(sp + 1);
  if (!tpl.startsWith(platforms[p].prefix)) return null;
  tpl = tpl.slice(platforms[p].prefix.length);
  const exact = index[p].get(norm(`${method} ${tpl}`));
  if (exact) return exact;
  if (p === "woocommerce" && (method === "PATCH" || method === "POST"))
    return index[p].get(norm(`PUT ${tpl}`)) || null;
  return null;
}

const journalDir = path.join(work, "journals");
fs.rmSync(journalDir, { recursive: true, force: true });
fs.mkdirSync(journalDir, { recursive: true });
try {
  execFileSync(kinsync, ["check", "-q", "--journal", journalDir,
    path.join(root, "scenarios")], { stdio: ["ignore", "ignore", "inherit"],
    timeout: 1500_000, maxBuffer: 64 << 20 });
} catch (e) {
  // A failing scenario is its own ctest's business; its journal still
  // holds what the emulators answered, which is what is checked here.
  if (e.status === undefined || e.status > 1) {
    console.error(`FAIL: kinsync check did not run: ${e.message}`);
    process.exit(1);
  }
}

let failures = 0, checked = 0;
const skipped = { fault: 0, cut: 0, narrowed: 0, undocumentedError: new Map(), departure: new Map() };
const seenOps = new Set();
function fail(msg) {
  if (process.env.SHAPES_ALL || failures < 200) console.error(`FAIL: ${msg}`);
  failures++;
}

for (const file of fs.readdirSync(journalDir).sort()) {
  const m = file.match(/^(.*)\.(bigcommerce|woocommerce)\.json$/);
  if (!m) continue;
  const [, scenario, p] = m;
  const journal = JSON.parse(fs.readFileSync(path.join(journalDir, file), "utf8"));
  const entries = Array.isArray(journal) ? journal : journal.entries || journal.journal || [];
  for (const e of entries) {
    const where = `${scenario} ${p} #${e.seq} ${e.method} ${e.path} -> ${e.status}`;
    if (e.fault) { skipped.fault++; continue; }
    if (!e.route) {
      // No route: the platform's routing error (404/405), whose shape is
      // the error shape of the version asked for.
      if (e.status < 400) fail(`${where}: answered ${e.status} without a route`);
      continue;
    }
    const body = e.response_body ?? "";
    if (/\.\.\.\[cut: \d+ of \d+ bytes kept\]$/.test(body)) { skipped.cut++; continue; }
    const op = operation(p, e.route);
    const status = String(e.status);
    if (!op) {
      fail(`${where}: route "${e.route}" has no operation in shapes/${p}.json`);
      continue;
    }
    const depKey = `${norm(op)} ${status}`;
    if (departures.some(([re]) => re.test(depKey))) {
      skipped.departure.set(depKey, (skipped.departure.get(depKey) || 0) + 1);
      continue;
    }
    const statuses = shapes[p].operations[op];
    let schema = statuses[status];
    if (schema === undefined && e.status >= 400) {
      if (shapes[p].error) schema = shapes[p].error;
      else {
        const k = `${op} ${status}`;
        skipped.undocumentedError.set(k, (skipped.undocumentedError.get(k) || 0) + 1);
        continue;
      }
    }
    if (schema === undefined) {
      fail(`${where}: status ${status} is not one ${op} answers (${Object.keys(statuses).join(", ")})`);
      continue;
    }
    seenOps.add(`${p} ${op}`);
    if (schema === null) {
      if (body !== "") fail(`${where}: ${op} ${status} has no body, got ${body.slice(0, 80)}`);
      checked++;
      continue;
    }
    let json;
    try {
      json = JSON.parse(body);
    } catch {
      if (schema.type === "string") { checked++; continue; }
      fail(`${where}: body is not JSON: ${body.slice(0, 80)}`);
      continue;
    }
    const narrowed = narrowing.test(e.query || "");
    if (narrowed) skipped.narrowed++;
    const v = validator(p, op, status + (narrowed ? " narrowed" : ""),
      narrowed ? withoutRequired(schema) : schema);
    checked++;
    if (!v(json))
      for (const err of v.errors.slice(0, 5))
        fail(`${where}: ${err.instancePath || "/"} ${err.message}` +
          (err.params && err.params.missingProperty ? "" : ` (${JSON.stringify(err.params)})`));
  }
}

console.log(`${checked} response bodies checked over ${seenOps.size} operations; ` +
  `${skipped.fault} written by fault rules, ${skipped.cut} cut by the journal`);
if (skipped.narrowed)
  console.log(`  ${skipped.narrowed} narrowed by _fields/include_fields/exclude_fields: types checked, required lists not`);
for (const [k, n] of skipped.departure)
  console.log(`  departure ${k}: ${n} (${departures.find(([re]) => re.test(k))[1]})`);
for (const [k, n] of skipped.undocumentedError) console.log(`  error status the reference does not describe: ${k}: ${n}`);
if (checked === 0) fail("no response body was checked: the journals are empty");
if (failures) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log("OK");
