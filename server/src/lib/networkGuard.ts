// Keeps connector calls off the server's own network unless the operator allows it: a
// connector's base URL is user input, and without this check any user with the `connectors`
// scope could make the server call loopback services, cloud metadata endpoints or hosts on the
// private LAN (server-side request forgery). The name is resolved once, every address is checked,
// and the socket is then handed exactly those addresses (`pinnedLookup`), so a DNS answer that
// changes between the check and the connect (DNS rebinding) cannot reach a private address.
import { lookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { AppError } from "../errors.ts";

export type HostResolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The operating system's resolver (getaddrinfo), every address of the name. */
export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

// ---- parsing ----------------------------------------------------------------------------------

/** Strict dotted-quad IPv4 (decimal, no leading zeros) into 4 bytes; anything else is null. */
export function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[i] = value;
  }
  return bytes;
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

/**
 * Any textual IPv6 form (compressed, full, upper case, with a dotted IPv4 tail) into 16 bytes.
 * Zone ids (`fe80::1%eth0`), brackets and anything malformed give null.
 */
export function parseIPv6(text: string): Uint8Array | null {
  let head = text;
  const tail: number[] = [];
  const lastColon = head.lastIndexOf(":");
  if (lastColon === -1) return null;
  const last = head.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = parseIPv4(last);
    if (!v4) return null;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    // Keep a trailing ":" when the IPv4 part follows "::" ("::1.2.3.4" → head "::").
    head = head.slice(0, head.endsWith(`::${last}`) ? lastColon + 1 : lastColon);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  let groups: number[];
  if (halves.length === 2) {
    const left = parseGroups(halves[0] ?? "");
    const right = parseGroups(halves[1] ?? "");
    if (!left || !right) return null;
    const explicit = left.length + right.length + tail.length;
    if (explicit > 7) return null; // "::" stands for at least one group of zeros
    groups = [...left, ...new Array<number>(8 - explicit).fill(0), ...right, ...tail];
  } else {
    const all = parseGroups(head);
    if (!all) return null;
    groups = [...all, ...tail];
    if (groups.length !== 8) return null;
  }
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  }
  return bytes;
}

// ---- classification ---------------------------------------------------------------------------

type Prefix = readonly [network: readonly number[], bits: number];

function inPrefix(bytes: Uint8Array, [network, bits]: Prefix): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const width = Math.min(8, bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((network[index] ?? 0) & mask)) return false;
  }
  return true;
}

// Everything that is not global unicast (RFC 6890 and the IANA special-purpose registry).
const NON_PUBLIC_IPV4: Prefix[] = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8],
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8],
  [[169, 254, 0, 0], 16], // link-local, cloud metadata
  [[172, 16, 0, 0], 12],
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation (TEST-NET-1)
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16],
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation (TEST-NET-2)
  [[203, 0, 113, 0], 24], // documentation (TEST-NET-3)
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, broadcast
];

const GLOBAL_UNICAST_IPV6: Prefix = [[0x20], 3];
const NON_PUBLIC_IPV6: Prefix[] = [
  [[0x20, 0x01, 0x00], 23], // IETF special purpose: Teredo, benchmarking, ORCHID, …
  [[0x20, 0x01, 0x0d, 0xb8], 32], // documentation
  [[0x3f, 0xff], 20], // documentation
  [[0x5f, 0x00], 16], // segment routing SIDs (outside 2000::/3 too; listed in case that range ever widens)
];
const IPV4_MAPPED: Prefix = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96];
const SIX_TO_FOUR: Prefix = [[0x20, 0x02], 16];

function isNonPublicIPv4(bytes: Uint8Array): boolean {
  return NON_PUBLIC_IPV4.some((prefix) => inPrefix(bytes, prefix));
}

function isNonPublicIPv6(bytes: Uint8Array): boolean {
  // The socket of an IPv4-mapped address goes to the IPv4 address it carries.
  if (inPrefix(bytes, IPV4_MAPPED)) return isNonPublicIPv4(bytes.subarray(12));
  if (!inPrefix(bytes, GLOBAL_UNICAST_IPV6)) return true;
  if (NON_PUBLIC_IPV6.some((prefix) => inPrefix(bytes, prefix))) return true;
  if (inPrefix(bytes, SIX_TO_FOUR)) return isNonPublicIPv4(bytes.subarray(2, 6));
  return false;
}

/**
 * True for every address that is not global unicast: loopback, private, link-local, multicast,
 * documentation, translation prefixes and the like. Text that is not an address is refused too.
 */
export function isNonPublicAddress(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4) return isNonPublicIPv4(v4);
  const v6 = parseIPv6(address);
  if (v6) return isNonPublicIPv6(v6);
  return true;
}

/** One canonical text per address, so what is handed to the socket is exactly what was checked. */
function canonical(address: string): { address: string; family: 4 | 6 } | null {
  const v4 = parseIPv4(address);
  if (v4) return { address: v4.join("."), family: 4 };
  const v6 = parseIPv6(address);
  if (!v6) return null;
  if (inPrefix(v6, IPV4_MAPPED)) return { address: v6.subarray(12).join("."), family: 4 };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((v6[i] ?? 0) << 8) | (v6[i + 1] ?? 0)).toString(16));
  return { address: groups.join(":"), family: 6 };
}

// ---- resolving and pinning --------------------------------------------------------------------

export interface PinnedDestination {
  /** The host name as the socket will ask for it (brackets of IPv6 literals removed). */
  hostname: string;
  /** True when the host is an IP literal: the socket connects to it without any lookup. */
  literal: boolean;
  /** The checked addresses; the socket's lookup answers with these and nothing else. */
  addresses: { address: string; family: 4 | 6 }[];
}

function refused(url: URL, address: string): AppError {
  return new AppError(
    "validation_error",
    `base_url: ${url.hostname} is a private or local address (${address}); connector calls go to public hosts only unless the server sets CONNECTOR_PRIVATE_NETWORKS=allow`,
    { extra: { details: [{ field: "base_url", message: "resolves to a private or local address" }] } },
  );
}

/**
 * Resolves the URL's host once with `resolveHost` and, unless private networks are allowed,
 * refuses it when the host is, or any of its addresses is, not global unicast (so a name with one
 * public and one private record is refused too). IP literals are checked as they are, no lookup.
 */
export async function resolveDestination(
  url: URL,
  options: { resolveHost: HostResolver; allowPrivate: boolean },
): Promise<PinnedDestination> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // The same test net.connect uses to decide whether to look the host up at all.
  const literal = isIP(hostname) !== 0;
  const answers = literal ? [{ address: hostname }] : await options.resolveHost(hostname);
  const addresses: PinnedDestination["addresses"] = [];
  for (const answer of answers) {
    if (!options.allowPrivate && isNonPublicAddress(answer.address)) throw refused(url, answer.address);
    const pinned = canonical(answer.address);
    if (pinned) addresses.push(pinned);
    else if (isIP(answer.address)) addresses.push({ address: answer.address, family: isIP(answer.address) as 4 | 6 });
  }
  if (addresses.length === 0) throw new Error(`${hostname} has no usable address`);
  return { hostname, literal, addresses };
}

/**
 * A `lookup` for net.connect/tls.connect that answers with the already checked addresses of one
 * destination and never asks DNS again; any other host name is an error.
 */
export function pinnedLookup(destination: PinnedDestination): LookupFunction {
  return (hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
    const addresses = destination.addresses.filter((a) => wanted === 0 || a.family === wanted);
    const first = addresses[0];
    if (hostname !== destination.hostname || !first) {
      const error = Object.assign(new Error(`no checked address for ${hostname}`), { code: "ENOTFOUND" });
      callback(error, "", 0);
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  };
}
