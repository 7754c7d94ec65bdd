// A key's IP allow-list: the addresses and CIDR ranges it may be used from. Entries are checked
// strictly and stored in one canonical form when a key is created or updated; a cached key holds
// its list compiled into a node:net BlockList once, so the check on each request is one native
// lookup. IPv4-mapped IPv6 addresses (::ffff:192.0.2.1, what a dual-stack socket reports for an
// IPv4 client) are read as the IPv4 address they carry, in entries and in client addresses alike.
import { BlockList, isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { validationError } from "../errors.ts";

export const MAX_ALLOWED_IPS = 50;
/** Longest text an entry can need (a full IPv6 address with an IPv4 tail and a prefix), with room. */
export const MAX_ALLOWED_IP_CHARS = 64;

type Family = "ipv4" | "ipv6";

interface Entry {
  family: Family;
  address: string;
  /** null: a single address */
  prefix: number | null;
}

function familyOf(address: string): Family | null {
  const version = isIP(address);
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : null;
}

function canonical(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === "ipv6" ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

/** One entry, checked and brought to its canonical form; a problem is thrown as a sentence. */
function parseEntry(text: string): Entry {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? null : text.slice(slash + 1);
  if (addressText.includes("%")) throw new Error("must not carry an IPv6 zone (%…)");
  const family = familyOf(addressText);
  if (!family) throw new Error("is not an IPv4 or IPv6 address or CIDR range");
  const bits = family === "ipv4" ? 32 : 128;
  let prefix: number | null = null;
  if (prefixText !== null) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      throw new Error(`has a prefix length that is not a whole number from 0 to ${bits}`);
    }
    prefix = Number(prefixText);
  }
  let address: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(addressText);
  let entryFamily: Family = family;
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    // ::ffff:a.b.c.d/n is the IPv4 range a.b.c.d/(n-96).
    if (prefix !== null && prefix < 96) throw new Error("is an IPv4-mapped range shorter than /96");
    address = (address as ipaddr.IPv6).toIPv4Address();
    entryFamily = "ipv4";
    if (prefix !== null) prefix -= 96;
  }
  const fullLength = entryFamily === "ipv4" ? 32 : 128;
  if (prefix === fullLength) prefix = null;
  const normalised = canonical(address);
  if (prefix !== null) {
    const network = canonical(
      entryFamily === "ipv4"
        ? ipaddr.IPv4.networkAddressFromCIDR(`${normalised}/${prefix}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${normalised}/${prefix}`),
    );
    if (network !== normalised) {
      throw new Error(`has bits set past its /${prefix} prefix (the range starts at ${network}/${prefix})`);
    }
  }
  return { family: entryFamily, address: normalised, prefix };
}

function entryText(entry: Entry): string {
  return entry.prefix === null ? entry.address : `${entry.address}/${entry.prefix}`;
}

/**
 * Checks an allow-list as a caller gives it and returns it in canonical form, duplicates removed.
 * null or an empty list: the key may be used from anywhere. A bad entry is a validation_error
 * naming it (`allowed_ips[2]`).
 */
export function parseAllowedIps(input: readonly string[] | null | undefined): string[] {
  if (input === null || input === undefined) return [];
  if (!Array.isArray(input)) throw validationError("allowed_ips", "must be a list of addresses or CIDR ranges");
  if (input.length > MAX_ALLOWED_IPS) {
    throw validationError("allowed_ips", `must hold at most ${MAX_ALLOWED_IPS} entries`);
  }
  const seen = new Set<string>();
  input.forEach((raw, index) => {
    const field = `allowed_ips[${index}]`;
    if (typeof raw !== "string" || raw.trim() === "") throw validationError(field, "must be an address or CIDR range");
    if (raw.length > MAX_ALLOWED_IP_CHARS)
      throw validationError(field, `must be at most ${MAX_ALLOWED_IP_CHARS} characters`);
    try {
      seen.add(entryText(parseEntry(raw.trim())));
    } catch (error) {
      throw validationError(field, `"${raw.trim()}" ${(error as Error).message}`);
    }
  });
  return [...seen];
}

export function encodeAllowedIps(entries: readonly string[]): string {
  return JSON.stringify(entries);
}

/** The stored list (canonical text), or [] for a value that is not one. */
export function decodeAllowedIps(stored: string | null | undefined): string[] {
  try {
    const value: unknown = JSON.parse(stored ?? "[]");
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The stored list compiled for the hot path; null when the key may be used from anywhere. A
 * stored list that no longer reads (it never should) compiles to one that lets nothing through.
 */
export function compileAllowedIps(stored: string | null | undefined): BlockList | null {
  let entries: Entry[];
  try {
    const value: unknown = JSON.parse(stored ?? "[]");
    if (!Array.isArray(value)) return new BlockList();
    if (value.length === 0) return null;
    entries = value.map((text) => parseEntry(String(text)));
  } catch {
    return new BlockList();
  }
  const list = new BlockList();
  for (const entry of entries) {
    if (entry.prefix === null) list.addAddress(entry.address, entry.family);
    else list.addSubnet(entry.address, entry.prefix, entry.family);
  }
  return list;
}

const MAPPED_DOTTED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** A client address as people read it: an IPv4-mapped IPv6 address as its IPv4 address. */
export function displayAddress(raw: string): string {
  const dotted = MAPPED_DOTTED.exec(raw);
  if (dotted?.[1]) return dotted[1];
  if (raw.includes(":") && /^::ffff:/i.test(raw) && ipaddr.isValid(raw)) {
    const parsed = ipaddr.parse(raw);
    if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      return (parsed as ipaddr.IPv6).toIPv4Address().toString();
    }
  }
  return raw;
}

/** Whether a request from `raw` (Express's req.ip) may use a key with this list. No address: no. */
export function allowedFrom(list: BlockList, raw: string | undefined): boolean {
  if (!raw) return false;
  const address = displayAddress(raw);
  const family = familyOf(address);
  return family !== null && list.check(address, family);
}
