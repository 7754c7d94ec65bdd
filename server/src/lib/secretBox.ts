// Encryption at rest for secrets the server must be able to read back (a connector's auth header
// value): AES-256-GCM under a key derived with HKDF from the server secret, so the database alone
// never reveals them. Each sealed value is bound to a context string (its owner), so a ciphertext
// copied into another user's row does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = "fim/secret-box";
const HKDF_INFO = "connector auth header v1";

/**
 * Derived keys by server secret. Module-level on purpose: a pure memo of a deterministic function
 * (the same secret gives the same key in every server and instance), not per-server state.
 */
const derivedKeys = new Map<string, Buffer>();

function keyFor(serverSecret: string): Buffer {
  let key = derivedKeys.get(serverSecret);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", serverSecret, HKDF_SALT, HKDF_INFO, 32));
    derivedKeys.set(serverSecret, key);
  }
  return key;
}

/** Encrypts `plaintext`; the result is `v1:<base64url(iv | ciphertext | tag)>`. */
export function sealSecret(serverSecret: string, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFor(serverSecret), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${VERSION}:${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString("base64url")}`;
}

/** Decrypts a value made by sealSecret with the same secret and context; throws if it was altered. */
export function openSecret(serverSecret: string, sealed: string, context: string): string {
  const [version, payload] = sealed.split(":", 2);
  if (version !== VERSION || !payload) throw new Error("unknown sealed secret format");
  const raw = Buffer.from(payload, "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("sealed secret is truncated");
  const decipher = createDecipheriv("aes-256-gcm", keyFor(serverSecret), raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString(
    "utf8",
  );
}
