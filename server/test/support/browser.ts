// A simulated browser for the portal's tRPC door: a cookie jar that honours each cookie's Path,
// and calls shaped as @trpc/client sends them (GET for queries, JSON POST with the CSRF header
// for mutations).
import { expect } from "vitest";

/** A cookie jar per simulated browser: keeps name=value and the Path each cookie was set for. */
export class PortalBrowser {
  constructor(private readonly baseUrl: string) {}

  cookies = new Map<string, { value: string; path: string }>();
  lastSetCookie: string[] = [];

  cookieHeader(url: string): string {
    const path = new URL(url).pathname;
    return [...this.cookies]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }

  store(response: Response): void {
    this.lastSetCookie = response.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const [name, ...rest] = (pair ?? "").split("=");
      const value = rest.join("=");
      const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      const expired = attributes.some((a) => /^expires=Thu, 01 Jan 1970/i.test(a)) || value === "";
      if (!name) continue;
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /**
   * Reads a subscription (tRPC over SSE) to its end with this browser's cookies, as an EventSource
   * would; `baseUrl` sends it to another instance sharing the same secrets.
   */
  async subscription(procedure: string, input: unknown, baseUrl = this.baseUrl): Promise<string> {
    const query = `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await fetch(`${baseUrl}/trpc/${procedure}${query}`, {
      headers: {
        cookie: this.cookieHeader(`${this.baseUrl}/trpc/${procedure}`),
        accept: "text/event-stream",
        "sec-fetch-site": "same-origin",
      },
    });
    return response.text();
  }

  async call(
    type: "query" | "mutation",
    procedure: string,
    input?: unknown,
    options: { headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<{ status: number; headers: Headers; data: any; error: any }> {
    const base = `${this.baseUrl}/trpc/${procedure}`;
    const url =
      type === "query" && input !== undefined ? `${base}?input=${encodeURIComponent(JSON.stringify(input))}` : base;
    const headers: Record<string, string> = { ...options.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    if (type === "mutation") {
      headers["content-type"] = "application/json";
      if (options.csrf !== false) headers["x-fim-csrf"] = "1";
    }
    const response = await fetch(url, {
      method: type === "query" ? "GET" : "POST",
      headers,
      body: type === "mutation" ? JSON.stringify(input ?? null) : undefined,
    });
    this.store(response);
    const body = (await response.json()) as any;
    return { status: response.status, headers: response.headers, data: body.result?.data, error: body.error };
  }

  query(procedure: string, input?: unknown, options?: { headers?: Record<string, string> }) {
    return this.call("query", procedure, input, options);
  }

  mutate(procedure: string, input?: unknown, options?: { headers?: Record<string, string>; csrf?: boolean }) {
    return this.call("mutation", procedure, input, options);
  }

  async login(email: string, password: string) {
    const response = await this.mutate("auth.login", { email, password });
    expect(response.status).toBe(200);
    return response;
  }
}
