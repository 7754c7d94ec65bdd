// Ids for rows the server inserts through the driver itself, where Prisma's `@default(cuid())` does
// not run. They have the shape of Prisma's cuids (25 characters: `c`, the time in milliseconds, a
// counter, a fingerprint of this process, and random characters), so they sit among the ids Prisma
// makes, and those made by one process sort in the order they were made.
import { randomBytes, randomInt } from "node:crypto";
import os from "node:os";

const BLOCK = 36 ** 4;

let counter = randomInt(BLOCK);

const fingerprint = (() => {
  let hash = process.pid;
  for (const char of os.hostname()) hash = (hash * 31 + char.charCodeAt(0)) % BLOCK;
  return hash.toString(36).padStart(4, "0");
})();

export function newCuid(): string {
  counter = (counter + 1) % BLOCK;
  const random = randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, "0").slice(-8);
  return `c${Date.now().toString(36).padStart(8, "0")}${counter.toString(36).padStart(4, "0")}${fingerprint}${random}`;
}
