// Talks to a WooCommerce emulator at $KINSYNC_URL_WOOCOMMERCE with the
// official client: list products, create one, read it back, and check
// X-WP-Total. Starts nothing itself. Exit 0 on success, 1 on a mismatch.
import pkg from "@woocommerce/woocommerce-rest-api";

const WooCommerceRestApi = pkg.default ?? pkg;
const url = process.env.KINSYNC_URL_WOOCOMMERCE;
if (!url) {
  console.error("KINSYNC_URL_WOOCOMMERCE is not set");
  process.exit(1);
}

// A plain http:// URL makes the client sign with OAuth 1.0a (HMAC-SHA256),
// which is what WooCommerce requires without TLS.
const api = new WooCommerceRestApi({
  url,
  consumerKey: process.env.KINSYNC_WC_CONSUMER_KEY ?? "ck_js",
  consumerSecret: process.env.KINSYNC_WC_CONSUMER_SECRET ?? "cs_js",
  version: "wc/v3",
  timeout: 10000,
});

function check(cond, what) {
  if (!cond) {
    console.error("FAIL: " + what);
    process.exit(1);
  }
  console.log("ok: " + what);
}

try {
  const before = await api.get("products", { per_page: 5 });
  check(before.status === 200, "list products answers 200");
  const total = Number(before.headers["x-wp-total"]);
  check(Number.isInteger(total), "X-WP-Total is a number (" + total + ")");
  check(before.data.length === Math.min(total, 5), "page holds min(total, 5) items");

  const made = await api.post("products", {
    name: "JS client product",
    sku: "JS-1",
    regular_price: "12.50",
  });
  check(made.status === 201, "create answers 201");
  const id = made.data.id;

  const got = await api.get("products/" + id);
  check(got.data.sku === "JS-1", "created product reads back by id");
  check(got.data.price === "12.50", "price follows regular_price");

  const after = await api.get("products", { sku: "JS-1" });
  check(after.data.length === 1 && after.data[0].id === id, "sku filter finds it");
  const all = await api.get("products");
  check(Number(all.headers["x-wp-total"]) === total + 1, "X-WP-Total grew by one");
  console.log("1 passed, 0 failed");
  process.exit(0);
} catch (e) {
  const r = e.response;
  console.error("FAIL: request failed: " + (r ? r.status + " " + JSON.stringify(r.data) : e.message));
  process.exit(1);
}
