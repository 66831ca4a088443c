// Signs a submission the way the widget does in a browser: WebCrypto ECDSA P-256, JWK export, RFC 8785 text
// (sorted keys; the payload holds only strings, booleans and small integers), P1363 signature, base64url.
// Reads the payload without `device_key` on stdin, prints the signed envelope.
import { webcrypto as crypto } from "node:crypto";

const canonical = (v) =>
  Array.isArray(v) ? `[${v.map(canonical).join(",")}]`
  : v !== null && typeof v === "object"
    ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`
    : JSON.stringify(v);
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const payload = JSON.parse(input);
const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
payload.device_key = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
const text = canonical(payload);
const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(text));
process.stdout.write(JSON.stringify({ payload: text, signature: b64url(signature) }));
