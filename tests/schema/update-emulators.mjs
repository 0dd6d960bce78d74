// Rewrites the emulator sections of scenarios/scenario.schema.json
// ($defs/emulatorEpicor, ...) from the emulators' declared configuration
// keys, as printed by `kinsync serve --describe SYSTEM --json`. Only those
// sections change; the rest of the file keeps its text.
// Usage: node tests/schema/update-emulators.mjs path/to/kinsync [SCHEMA]
// (ctest unit.mocks.common.config_schema fails until the file agrees.)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [kinsync, schemaPath = path.join(here, "..", "..", "scenarios",
  "scenario.schema.json")] = process.argv.slice(2);
if (!kinsync) {
  console.error("usage: node update-emulators.mjs path/to/kinsync [SCHEMA]");
  process.exit(2);
}
let text = fs.readFileSync(schemaPath, "utf8");
const systems = JSON.parse(text).$defs.system.enum;

// The index of the '}' closing the object that opens at text[open].
function closing(open) {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  throw new Error("unbalanced braces in the schema");
}

// JSON as the rest of the file is written: two-space indents, and a value
// on one line when it fits in 80 columns.
function oneLine(v) {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(", ")}]`;
  if (v && typeof v === "object") {
    const members = Object.entries(v).map(
      ([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`);
    return members.length ? `{ ${members.join(", ")} }` : "{}";
  }
  return JSON.stringify(v);
}

function format(v, indent, used) {
  const flat = oneLine(v);
  if (indent.length + used + flat.length <= 80 || !v || typeof v !== "object")
    return flat;
  const inner = indent + "  ";
  if (Array.isArray(v))
    return `[\n${v.map((x) => inner + format(x, inner, 0)).join(",\n")}\n${indent}]`;
  const members = Object.entries(v).map(([k, x]) => {
    const key = `${JSON.stringify(k)}: `;
    return inner + key + format(x, inner, key.length);
  });
  return `{\n${members.join(",\n")}\n${indent}}`;
}

for (const system of systems) {
  const name = `emulator${system[0].toUpperCase()}${system.slice(1)}`;
  const head = `\n    "${name}": `;
  const at = text.indexOf(head);
  if (at < 0) throw new Error(`no $defs/${name} in ${schemaPath}`);
  const open = at + head.length;
  const fragment = JSON.parse(execFileSync(kinsync,
    ["serve", "--describe", system, "--json"], { encoding: "utf8" }));
  const body = format(fragment, "    ", head.length - 5);
  text = text.slice(0, open) + body + text.slice(closing(open) + 1);
}
JSON.parse(text); // still one document
fs.writeFileSync(schemaPath, text);
console.log(`updated ${systems.length} emulator section(s) of ${schemaPath}`);
