// Copies into this folder the part of the reference response shapes
// (JSON Schemas of BigCommerce and WooCommerce responses, derived from the
// platforms' published API references; see README.md) that the emulators
// serve, plus the project's overlay of facts the references leave out.
// Usage: node tests/schema/shapes/import.mjs REFERENCE_SHAPES_DIR
// Rewrites bigcommerce.json and woocommerce.json here; run it again when
// the reference or the emulators' routes change.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [refDir] = process.argv.slice(2);
if (!refDir) {
  console.error("usage: node import.mjs REFERENCE_SHAPES_DIR");
  process.exit(2);
}

// The operations the emulators serve (path prefixes after the version).
const keep = {
  bigcommerce: [
    /^[A-Z]+ \/v2\/orders(\/count)?$/,
    /^[A-Z]+ \/v2\/orders\/\{order_id\}(\/(products|shipping_addresses|shipments|coupons))?$/,
    /^[A-Z]+ \/v3\/catalog\/products(\/\{product_id\}(\/variants(\/\{variant_id\})?)?)?$/,
    /^[A-Z]+ \/v3\/catalog\/variants$/,
    /^[A-Z]+ \/v3\/inventory\/(adjustments\/(absolute|relative)|items)$/,
    /^[A-Z]+ \/v3\/customers$/,
    /^[A-Z]+ \/v3\/hooks(\/\{webhook_id\})?$/,
  ],
  woocommerce: [
    /^[A-Z]+ \/wc\/v3\/(products|customers|orders|webhooks)(\/batch|\/\{id\})?$/,
    /^[A-Z]+ \/wc\/v3\/products\/\{product_id\}\/variations(\/batch|\/\{id\})?$/,
    /^[A-Z]+ \/wc\/v3\/orders\/\{id\}\/(refunds|notes)(\/\{(refund|note)_id\})?$/,
    /^[A-Z]+ \/wc\/v3\/products\/categories(\/batch|\/\{id\})?$/,
  ],
};

// Facts the references do not carry as "required" but the platform's own
// examples always show; each with its source (see README.md).
function overlay(platform, ops) {
  if (platform !== "bigcommerce") return;
  // Variant option_values: every example in product-variants_catalog.v3.yml
  // carries id, option_id, label and option_display_name.
  const need = ["id", "option_id", "label", "option_display_name"];
  const walk = (s) => {
    if (!s || typeof s !== "object") return;
    if (s.properties && s.properties.option_values &&
        s.properties.option_values.items &&
        s.properties.sku_id !== undefined) {
      const items = s.properties.option_values.items;
      items.required = Array.from(new Set([...(items.required || []), ...need]));
      // sku_id is null for a product's base variant (reference
      // storefronts.md 1.3, [C] from the variant examples); the schema
      // types it integer only.
      s.properties.sku_id = { type: ["integer", "null"] };
    }
    // A variant's price, sale_price, retail_price, weight and dimensions
    // are null when it inherits the product's: the variant schema's own
    // descriptions say "If this value is null, the product's default ...
    // will be used" (product-variants_catalog.v3.yml); the type keeps
    // only "number".
    if (s.properties && s.properties.purchasing_disabled && s.properties.price &&
        s.properties.bin_picking_number && !s.properties.inventory_tracking)
      for (const f of ["price", "sale_price", "retail_price", "weight",
                       "width", "height", "depth"])
        if (s.properties[f] && s.properties[f].type === "number")
          s.properties[f] = { ...s.properties[f], type: ["number", "null"] };
    for (const v of Object.values(s)) walk(v);
  };
  walk(ops);
  // GET /v3/hooks: webhooks.v3.yml puts minItems 1 on "data", which a
  // store without hooks cannot meet; an empty list is the only answer
  // there ([I], the spec gives no other).
  delete ops["GET /v3/hooks"]["200"].properties.data.minItems;
}

for (const platform of ["bigcommerce", "woocommerce"]) {
  const ref = JSON.parse(
    fs.readFileSync(path.join(refDir, `${platform}.json`), "utf8"));
  const out = { platform, source: ref.source, operations: {} };
  for (const [op, statuses] of Object.entries(ref.operations))
    if (keep[platform].some((re) => re.test(op))) out.operations[op] = statuses;
  if (ref.media_types) {
    out.media_types = {};
    for (const op of Object.keys(out.operations))
      if (ref.media_types[op]) out.media_types[op] = ref.media_types[op];
  }
  if (ref.error) out.error = ref.error;
  overlay(platform, out.operations);
  fs.writeFileSync(path.join(here, `${platform}.json`),
    JSON.stringify(out) + "\n");
  console.log(`${platform}: ${Object.keys(out.operations).length} operations`);
}
