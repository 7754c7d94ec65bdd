// HTTP requests written byte by byte on raw sockets, for attacks that depend on timing: a burst
// whose requests are all on the wire except their last byte, released together, so the server
// sees them arrive in the same instant (what "send 100 guesses at once" really means).
import net from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

export function jsonRequest(
  method: string,
  path: string,
  host: string,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const text = JSON.stringify(body);
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${host}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(text)}`,
    "Connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${text}`;
}

function parseResponse(raw: string): RawResponse {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).split("\r\n");
  const status = Number(head[0]?.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 4);
  if (headers["transfer-encoding"] === "chunked") {
    let decoded = "";
    while (text.length > 0) {
      const end = text.indexOf("\r\n");
      const size = Number.parseInt(text.slice(0, end), 16);
      if (!size) break;
      decoded += text.slice(end + 2, end + 2 + size);
      text = text.slice(end + 2 + size + 2);
    }
    text = decoded;
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status, headers, body };
}

/**
 * Opens one connection per request, writes every request but its last byte, waits until all
 * of that is on the wire, then releases the last bytes in one synchronous loop. Resolves with
 * the responses in request order.
 */
export async function simultaneousBurst(port: number, requests: string[]): Promise<RawResponse[]> {
  const sockets = await Promise.all(
    requests.map(
      (request) =>
        new Promise<{ socket: net.Socket; answer: Promise<RawResponse> }>((resolve, reject) => {
          const socket = net.connect(port, "127.0.0.1");
          const chunks: Buffer[] = [];
          const answer = new Promise<RawResponse>((done, fail) => {
            socket.on("data", (chunk) => chunks.push(chunk));
            socket.on("end", () => done(parseResponse(Buffer.concat(chunks).toString("utf8"))));
            socket.on("error", fail);
          });
          socket.once("error", reject);
          socket.once("connect", () => {
            socket.write(request.slice(0, -1), () => resolve({ socket, answer }));
          });
        }),
    ),
  );
  // Give the server a moment to read every partial request, so nothing is decided early.
  await new Promise((resolve) => setTimeout(resolve, 100));
  requests.forEach((request, i) => {
    sockets[i]?.socket.write(request.slice(-1));
  });
  return Promise.all(sockets.map(({ answer }) => answer));
}
