// @ts-check
// The shop's one HTML page. Everything from the APIs is escaped: the page
// trusts neither the catalog's data nor the skus stored in a cart.

/** @typedef {{ sku: string, name: string, description: string, priceCents: number }} Product */
/** @typedef {{ sku: string, qty: number }} CartItem */

/**
 * What the page shows. A part that could not be fetched carries the error
 * instead, and the page still renders.
 * @typedef {{
 *   products: Product[] | Error,
 *   cart: CartItem[] | Error,
 *   replica: { hostname: string, instance: string, pid: number, uptimeSeconds: number },
 *   upstreams: { catalog: string, cart: string },
 * }} PageData
 */

/** @param {string} text */
export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `1200` → `12.00`. @param {number} cents */
const price = (cents) => (cents / 100).toFixed(2);

/**
 * Keep the well-formed products of an API answer, and drop the rest.
 * @param {unknown} value
 * @returns {Product[]}
 */
export function toProducts(value) {
  if (!Array.isArray(value)) throw new Error("the catalog did not answer with a list");
  return value.filter((p) => typeof p?.sku === "string" && typeof p.name === "string" && Number.isFinite(p.priceCents))
    .map((p) => ({ sku: p.sku, name: p.name, description: typeof p.description === "string" ? p.description : "", priceCents: p.priceCents }));
}

/**
 * The items of a cart API answer.
 * @param {unknown} value
 * @returns {CartItem[]}
 */
export function toCartItems(value) {
  const items = /** @type {{ items?: unknown }} */ (value ?? {}).items;
  if (!Array.isArray(items)) throw new Error("the cart did not answer with items");
  return items.filter((i) => typeof i?.sku === "string" && Number.isInteger(i.qty)).map((i) => ({ sku: i.sku, qty: i.qty }));
}

/** @param {PageData} data */
export function renderPage(data) {
  const { replica } = data;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>berth shop</title>
<style>body{font:16px/1.4 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
li{margin:.4rem 0}form{display:inline}.err{color:#a00}footer{margin-top:2rem;color:#555;font-size:.9rem}</style></head>
<body>
<h1>berth shop</h1>
<h2>Products</h2>
${productList(data.products)}
<h2>Your cart</h2>
${cartList(data.cart, data.products)}
<footer id="served-by">Served by replica <code>${escapeHtml(replica.hostname)}</code>, instance <code>${escapeHtml(replica.instance)}</code> (pid ${replica.pid}, up ${replica.uptimeSeconds} s)${upstreams(data.upstreams)}</footer>
</body>
</html>
`;
}

/** Which replicas of the APIs answered, when they said. @param {PageData["upstreams"]} u */
function upstreams(u) {
  const parts = Object.entries(u).filter(([, host]) => host !== "").map(([name, host]) => `${name} <code>${escapeHtml(host)}</code>`);
  return parts.length === 0 ? "" : `; ${parts.join(", ")}`;
}

/** @param {Product[] | Error} products */
function productList(products) {
  if (products instanceof Error) return `<p class="err">The catalog is unavailable: ${escapeHtml(products.message)}</p>`;
  const items = products.map((p) => `<li><strong>${escapeHtml(p.name)}</strong> — ${price(p.priceCents)} € <small>${escapeHtml(p.description)}</small>
<form method="post" action="/cart/items"><input type="hidden" name="sku" value="${escapeHtml(p.sku)}"><button>Add</button></form></li>`);
  return `<ul id="products">\n${items.join("\n")}\n</ul>`;
}

/** @param {CartItem[] | Error} cart @param {Product[] | Error} products */
function cartList(cart, products) {
  if (cart instanceof Error) return `<p class="err">The cart is unavailable: ${escapeHtml(cart.message)}</p>`;
  if (cart.length === 0) return `<p id="cart">Empty.</p>`;
  const known = new Map(products instanceof Error ? [] : products.map((p) => [p.sku, p]));
  let total = 0;
  const rows = cart.map((i) => {
    const p = known.get(i.sku);
    total += (p?.priceCents ?? 0) * i.qty;
    return `<li>${i.qty} × ${escapeHtml(p?.name ?? i.sku)}</li>`;
  });
  return `<ul id="cart">\n${rows.join("\n")}\n</ul>\n<p>Total: ${price(total)} €
<form method="post" action="/cart/clear"><button>Empty the cart</button></form></p>`;
}
