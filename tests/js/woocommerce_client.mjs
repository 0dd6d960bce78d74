// Talks to a WooCommerce emulator at $KINSYNC_URL_WOOCOMMERCE with the
// official client: list products, create one, read it back, and check
// X-WP-Total; then queries holding ':', ' ' and '/', and a SKU with a
// slash. Over http:// the client signs with OAuth 1.0a (through its
// dependency oauth-1.0a), and the Authorization-header form is signed with
// oauth-1.0a directly as well; over https:// it sends Basic auth and
// trusts the server through NODE_EXTRA_CA_CERTS. Starts nothing itself.
// Exit 0 on success, 1 on a mismatch.
import crypto from "node:crypto";
import pkg from "@woocommerce/woocommerce-rest-api";
import OAuth from "oauth-1.0a";

const WooCommerceRestApi = pkg.default ?? pkg;
const url = process.env.KINSYNC_URL_WOOCOMMERCE;
if (!url) {
  console.error("KINSYNC_URL_WOOCOMMERCE is not set");
  process.exit(1);
}

// A plain http:// URL makes the client sign with OAuth 1.0a (HMAC-SHA256),
// which is what WooCommerce requires without TLS; https:// makes it send
// Basic auth, which WooCommerce takes only over TLS.
const tls = url.startsWith("https://");
const consumerKey = process.env.KINSYNC_WC_CONSUMER_KEY ?? "ck_js";
const consumerSecret = process.env.KINSYNC_WC_CONSUMER_SECRET ?? "cs_js";
const api = new WooCommerceRestApi({
  url,
  consumerKey,
  consumerSecret,
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

// The same reserved characters with the OAuth parameters in an
// "Authorization: OAuth" header, signed by oauth-1.0a itself.
async function headerForm() {
  const oauth = new OAuth({
    consumer: { key: consumerKey, secret: consumerSecret },
    signature_method: "HMAC-SHA256",
    hash_function: (base, key) => crypto.createHmac("sha256", key).update(base).digest("base64"),
  });
  const target = url.replace(/\/$/, "") +
    "/wp-json/wc/v3/products?modified_after=2026-01-01T00%3A00%3A00&search=a%20b%2Fc";
  const header = oauth.toHeader(oauth.authorize({ url: target, method: "GET" }));
  const res = await fetch(target, { headers: { ...header, Accept: "application/json" } });
  check(res.status === 200, "Authorization: OAuth header signed by oauth-1.0a answers 200 (got " +
        res.status + ")");
}

// Over --tls the port speaks TLS only: plain HTTP to it gets no answer.
async function plainHttpRefused() {
  let status = "no answer";
  try {
    status = (await fetch(url.replace(/^https:/, "http:") + "/wp-json/wc/v3/products",
                          { signal: AbortSignal.timeout(5000) })).status;
  } catch (e) {
    // the TLS server drops the connection: what is expected
  }
  check(status === "no answer", "plain http:// to the TLS port gets no HTTP answer (" + status + ")");
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

  // Reserved characters: with OAuth these are signed encoded twice
  // (RFC 5849 3.4.1); a server that encodes once answers 401.
  const since = await api.get("products", {
    modified_after: "2026-01-01T00:00:00",
    search: "a b/c",
  });
  check(since.status === 200, "modified_after with ':' and search 'a b/c' answer 200");
  const slash = await api.post("products", { name: "Slash", sku: "JS/2", regular_price: "1.00" });
  const bySku = await api.get("products", { sku: "JS/2" });
  check(bySku.data.length === 1 && bySku.data[0].id === slash.data.id,
        "sku filter finds the SKU with a slash");
  if (tls) await plainHttpRefused();
  else await headerForm();
  console.log((tls ? "https, Basic" : "http, OAuth 1.0a") + ": 1 passed, 0 failed");
  process.exit(0);
} catch (e) {
  const r = e.response;
  console.error("FAIL: request failed: " + (r ? r.status + " " + JSON.stringify(r.data) : e.message));
  process.exit(1);
}
