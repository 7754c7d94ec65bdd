// Keeps connector calls off the server's own network unless the operator allows it: a
// connector's base URL is user input, and without this check any user with the `connectors`
// scope could make the server call loopback services, cloud metadata endpoints or hosts on the
// private LAN (server-side request forgery).
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "../errors.ts";

export type HostResolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The operating system's resolver (getaddrinfo), every address of the name. */
export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

const nonPublic = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  nonPublic.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const) {
  nonPublic.addSubnet(network, prefix, "ipv6");
}

/** True for loopback, private, link-local, multicast and other addresses that are not the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return nonPublic.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 4) return nonPublic.check(address, "ipv4");
  if (family === 6) return nonPublic.check(address, "ipv6");
  return true; // not an address at all: refuse rather than guess
}

/**
 * Refuses a URL whose host is, or resolves to, a non-public address. Every address the name
 * resolves to is checked, so a name with one public and one private record is refused too.
 */
export async function assertPublicDestination(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const blocked = addresses.find(isNonPublicAddress);
  if (blocked !== undefined) {
    throw new AppError(
      "validation_error",
      `base_url: ${url.hostname} is a private or local address (${blocked}); connector calls go to public hosts only unless the server sets CONNECTOR_PRIVATE_NETWORKS=allow`,
      { extra: { details: [{ field: "base_url", message: "resolves to a private or local address" }] } },
    );
  }
}
