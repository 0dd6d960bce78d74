// Checks scenarios/scenario.schema.json against the scenario files and the
// code it describes:
//   1. the schema compiles under Ajv's strict mode (draft 2020-12);
//   2. every scenario file under scenarios/ is valid;
//   3. every file in valid/ is accepted (they use what no scenario uses
//      yet), and every file in invalid/ is rejected for the reason listed
//      below and no other (each is a valid scenario but for one mistake);
//   4. the lists the schema repeats from the code still match it: result
//      codes (connector/include/kinsync/error.h) and emulator systems
//      (the directories of mocks/src/);
//   5. every property the schema defines has a description.
// (That the emulator sections match the emulators' declared keys is
// checked by ctest unit.mocks.common.config_schema.)
// Usage: node validate.mjs REPO_ROOT CASES_DIR (holding valid/ and
// invalid/). Exit 0 when all hold.
import fs from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [root, casesDir] = process.argv.slice(2);
if (!root || !casesDir) {
  console.error("usage: node validate.mjs REPO_ROOT CASES_DIR");
  process.exit(2);
}
const schemaPath = path.join(root, "scenarios", "scenario.schema.json");
let failures = 0;

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  failures++;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

// Where each invalid scenario must be rejected: the instance pointer and
// the Ajv keyword of the error that names the mistake.
const expectedRejections = {
  "unknown-step-kind.json": { at: "/when/0/do", keyword: "enum" },
  "run-without-job.json": { at: "/when/0", keyword: "required" },
  "clock-advance-ms-not-integer.json": { at: "/when/0/ms", keyword: "type" },
  "integration-start-with-another-job.json": {
    at: "/when/0/job",
    keyword: "enum",
  },
  "unknown-top-level-key.json": { at: "", keyword: "additionalProperties" },
  "fault-rule-unknown-key.json": {
    at: "/given/epicor/faults/0",
    keyword: "additionalProperties",
  },
  "expect-result-key-not-a-pointer.json": {
    at: "/when/0/expect_result",
    keyword: "propertyNames",
  },
  "step-with-another-kinds-key.json": {
    at: "/when/0",
    keyword: "additionalProperties",
  },
  "state-in-the-old-list-form.json": { at: "/then/state", keyword: "type" },
  "wait-until-in-the-old-form.json": {
    at: "/when/0/until",
    keyword: "propertyNames",
  },
  "pointer-map-selector-without-a-value.json": {
    at: "/then/state/static",
    keyword: "propertyNames",
  },
  "matcher-count-negative.json": {
    at: "/then/state/static/~1hits/$count",
    keyword: "minimum",
  },
  "no-secret-in-urls-flag.json": { at: "/then", keyword: "additionalProperties" },
  "log-must-not-contain-a-secret-reference.json": {
    at: "/then/log_must_not_contain/0",
    keyword: "pattern",
  },
  "credentials-may-appear-without-a-reason.json": {
    at: "/then/credentials_may_appear",
    keyword: "required",
  },
  "fixture-outside-given.json": {
    at: "/when/0/rules/0",
    keyword: "additionalProperties",
  },
  "emulator-key-typo.json": {
    at: "/given/bigcommerce",
    keyword: "additionalProperties",
  },
  "emulator-nested-key-typo.json": {
    at: "/given/woocommerce/keys/0",
    keyword: "additionalProperties",
  },
  "fault-rule-nth-with-after.json": {
    at: "/given/woocommerce/faults/0/after",
    keyword: "false schema",
  },
};

// Whether a is b or lies on the path to or below it (both JSON pointers).
function related(a, b) {
  const under = (x, y) => x === y || x.startsWith(y + "/");
  return under(a, b) || under(b, a);
}

function scenarioFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...scenarioFiles(p));
    else if (entry.name.endsWith(".json") && !entry.name.endsWith(".schema.json"))
      out.push(p);
  }
  return out.sort();
}

function show(errors) {
  return (errors || [])
    .map((e) => `    ${e.instancePath || "(document)"}: ${e.message} [${e.keyword}]`)
    .join("\n");
}

// ---- 1. compile ----------------------------------------------------------
const schema = readJson(schemaPath);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
let validate;
try {
  validate = ajv.compile(schema);
} catch (e) {
  console.error(`FAIL: ${schemaPath} does not compile: ${e.message}`);
  process.exit(1);
}

// ---- 2. every scenario is valid ------------------------------------------
const scenarios = scenarioFiles(path.join(root, "scenarios"));
if (scenarios.length === 0) fail("no scenario files found under scenarios/");
for (const file of scenarios) {
  let doc;
  try {
    doc = readJson(file);
  } catch (e) {
    fail(`${path.relative(root, file)}: not JSON: ${e.message}`);
    continue;
  }
  if (!validate(doc))
    fail(`${path.relative(root, file)} is not valid:\n${show(validate.errors)}`);
}

// ---- 3. valid cases pass; invalid ones fail for their reason -------------
const validDir = path.join(casesDir, "valid");
const invalidDir = path.join(casesDir, "invalid");
const valid = scenarioFiles(validDir);
if (valid.length === 0) fail("no files in valid/");
for (const file of valid) {
  if (!validate(readJson(file)))
    fail(`valid/${path.basename(file)} is not valid:\n${show(validate.errors)}`);
}
const invalid = fs.readdirSync(invalidDir).filter((f) => f.endsWith(".json")).sort();
for (const name of Object.keys(expectedRejections)) {
  if (!invalid.includes(name)) fail(`invalid/${name} is missing`);
}
for (const name of invalid) {
  const want = expectedRejections[name];
  if (!want) {
    fail(`invalid/${name} has no expected rejection in validate.mjs`);
    continue;
  }
  if (validate(readJson(path.join(invalidDir, name)))) {
    fail(`invalid/${name} was accepted`);
    continue;
  }
  const errors = validate.errors;
  if (!errors.some((e) => e.instancePath === want.at && e.keyword === want.keyword))
    fail(`invalid/${name}: no ${want.keyword} error at "${want.at}":\n${show(errors)}`);
  const stray = errors.filter((e) => !related(e.instancePath, want.at));
  if (stray.length)
    fail(`invalid/${name}: also wrong elsewhere:\n${show(stray)}`);
}

// ---- 4. lists copied from the code ----------------------------------------
// The public table and the test-only codes (connector/testing/kinsync/
// testing.h): a scenario may expect either.
const errorH = [
  ["include", "kinsync", "error.h"],
  ["testing", "kinsync", "testing.h"],
]
  .map((p) => fs.readFileSync(path.join(root, "connector", ...p), "utf8"))
  .join("\n");
const rcNames = [...errorH.matchAll(/\bX\(([A-Z0-9_]+),/g)].map((m) => m[1]);
const rcEnum = schema.$defs.stepRun.properties.expect_rc.enum;
if (rcNames.length === 0) fail("no result codes found in error.h");
if (JSON.stringify([...rcNames].sort()) !== JSON.stringify([...rcEnum].sort()))
  fail(`expect_rc lists ${rcEnum.join(",")} but error.h has ${rcNames.join(",")}`);

const systems = fs
  .readdirSync(path.join(root, "mocks", "src"), { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== "common")
  .map((e) => e.name)
  .sort();
const systemEnum = [...schema.$defs.system.enum].sort();
if (JSON.stringify(systems) !== JSON.stringify(systemEnum))
  fail(`system lists ${systemEnum} but mocks/src/ has emulators ${systems}`);
const givenKeys = Object.keys(schema.$defs.given.properties).sort();
const wantGiven = ["clock", "connector", ...systems].sort();
if (JSON.stringify(givenKeys) !== JSON.stringify(wantGiven))
  fail(`given takes ${givenKeys} but should take ${wantGiven}`);

// ---- 5. descriptions --------------------------------------------------------
function resolve(s) {
  if (s && typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
    return s.$ref
      .slice(2)
      .split("/")
      .reduce((node, key) => node?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], schema);
  }
  return s;
}

function checkDescriptions(node, where) {
  if (Array.isArray(node)) {
    node.forEach((n, i) => checkDescriptions(n, `${where}/${i}`));
    return;
  }
  if (!node || typeof node !== "object") return;
  if (node.properties && typeof node.properties === "object") {
    for (const [key, sub] of Object.entries(node.properties)) {
      if (typeof sub === "boolean") continue; // true/false: no room for one
      if (!sub.description && !resolve(sub)?.description)
        fail(`${where}/properties/${key} has no description`);
    }
  }
  // Conditions name properties only to test them.
  const conditions = ["if", "not", "dependentSchemas"];
  for (const [key, sub] of Object.entries(node)) {
    if (!conditions.includes(key)) checkDescriptions(sub, `${where}/${key}`);
  }
}
checkDescriptions(schema, "#");

if (failures) {
  console.error(`${failures} problem(s)`);
  process.exit(1);
}
console.log(
  `ok: ${scenarios.length} scenarios and ${valid.length} extra case(s) valid, ` +
    `${invalid.length} invalid ones rejected`,
);
