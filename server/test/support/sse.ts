// Reads a Server-Sent Events response the way a plain fetch client does (the reference's
// reader loop), and parses the frames by hand, so the tests also check the wire format.

export interface SseEvent {
  event: string;
  data: any;
}

export interface SseStream {
  response: Response;
  /** Everything received so far, verbatim. */
  raw(): string;
  /** The next event, or null when the stream has ended. Comment lines are skipped. */
  next(): Promise<SseEvent | null>;
  /** Reads the next events until one called `name` (returned), failing at the end of the stream. */
  until(name: string): Promise<SseEvent>;
  /** Reads to the end; returns the remaining events. */
  rest(): Promise<SseEvent[]>;
  /** Every event read so far. */
  seen: SseEvent[];
  abort(): void;
}

function parseFrame(frame: string): SseEvent | null {
  let event = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    if (line.startsWith("event: ")) event = line.slice(7);
    else if (line.startsWith("data: ")) data.push(line.slice(6));
    else if (line !== "") throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
  }
  if (data.length === 0) return null;
  if (data.length > 1) throw new Error(`an event spans several data lines: ${frame}`);
  return { event, data: JSON.parse(data[0] as string) };
}

export async function openStream(
  url: string,
  init: { body: unknown; headers?: Record<string, string> },
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: JSON.stringify(init.body),
    signal: controller.signal,
  });
  if (!response.body) throw new Error("no body");
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let buffer = "";
  let ended = false;
  const seen: SseEvent[] = [];

  const next = async (): Promise<SseEvent | null> => {
    while (true) {
      const boundary = buffer.indexOf("\n\n");
      if (boundary >= 0) {
        const frame = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event = parseFrame(frame);
        if (event) {
          seen.push(event);
          return event;
        }
        continue;
      }
      if (ended) return null;
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        continue;
      }
      const text = decoder.decode(value, { stream: true });
      raw += text;
      buffer += text;
    }
  };

  return {
    response,
    raw: () => raw,
    next,
    seen,
    async until(name) {
      while (true) {
        const event = await next();
        if (!event) throw new Error(`the stream ended before a "${name}" event; saw ${seen.map((e) => e.event)}`);
        if (event.event === name) return event;
      }
    },
    async rest() {
      const events: SseEvent[] = [];
      for (let event = await next(); event; event = await next()) events.push(event);
      return events;
    },
    abort: () => controller.abort(),
  };
}

/** The answer as a client assembles it from `answer` events (honouring `reset`). */
export function assembleAnswer(events: SseEvent[]): string {
  let answer = "";
  let blockStart = 0;
  let previous = "";
  for (const { event, data } of events) {
    if (event === "answer") {
      if (previous !== "answer") blockStart = answer.length;
      if (data.reset) answer = answer.slice(0, blockStart);
      else answer += data.delta;
    }
    previous = event;
  }
  return answer;
}

/** Polls until the check passes or the time is up. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
