// Keeps the portal's login alive: refreshes the access token shortly before it expires, once
// across all open tabs (a Web Lock, then a check whether another tab already did it), and tells
// the app when the session has ended so it can send the person back to the login page.

import type { AppRouter } from "@fim/server/trpc";
import { createTRPCClient, httpLink } from "@trpc/client";

export const TRPC_URL = "/trpc";
export const CSRF_HEADERS = { "x-fim-csrf": "1" } as const;

export type SessionStatus = "unknown" | "active" | "ended" | "anonymous";

type Message = { type: "refreshed"; expiresIn: number } | { type: "signed-out" };

/** A client without the session link, so refreshing can never recurse into itself. */
const rawClient = createTRPCClient<AppRouter>({
  links: [httpLink({ url: TRPC_URL, headers: CSRF_HEADERS })],
});

class SessionKeeper {
  status: SessionStatus = "unknown";
  /** Set when this tab logged out on purpose, so the login page can say so. */
  signedOutHere = false;
  private expiresAt = 0;
  private lifetimeMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<(status: SessionStatus) => void>();
  private channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("fim-session");

  constructor() {
    this.channel?.addEventListener("message", (event: MessageEvent<Message>) => {
      if (event.data.type === "refreshed") this.adopt(event.data.expiresIn);
      if (event.data.type === "signed-out") this.end();
    });
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", () => {
        // Background tabs run timers late; catch up as soon as the person comes back.
        if (document.visibilityState === "visible" && this.status === "active" && this.dueSoon()) void this.refresh();
      });
    }
  }

  subscribe(listener: (status: SessionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: SessionStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }

  /** Refresh this long before expiry: a quarter of the lifetime, at most a minute. */
  private leadMs(): number {
    return Math.min(60_000, this.lifetimeMs / 4);
  }

  private dueSoon(): boolean {
    return Date.now() >= this.expiresAt - this.leadMs();
  }

  /** A fresh access token is in the cookie jar, valid for `expiresIn` seconds. */
  private adopt(expiresIn: number): void {
    this.signedOutHere = false;
    this.lifetimeMs = Math.max(this.lifetimeMs, expiresIn * 1000);
    this.expiresAt = Date.now() + expiresIn * 1000;
    clearTimeout(this.timer);
    const delay = Math.max(1_000, this.expiresAt - this.leadMs() - Date.now());
    this.timer = setTimeout(() => void this.refresh(), delay);
    this.setStatus("active");
  }

  /** After a login or a successful `me`: start keeping this session alive. */
  started(expiresIn: number, lifetime?: number): void {
    if (lifetime) this.lifetimeMs = lifetime * 1000;
    this.adopt(expiresIn);
  }

  /** Refreshes now (once, however many callers ask at the same time). Resolves false when the session is over. */
  refresh(): Promise<boolean> {
    this.inflight ??= this.refreshAcrossTabs().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Refreshes if the access token expires within `withinMs` (before a long-running stream). */
  async ensureFresh(withinMs = 30_000): Promise<boolean> {
    if (this.status === "active" && this.expiresAt - Date.now() > withinMs) return true;
    return this.refresh();
  }

  private async refreshAcrossTabs(): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      try {
        // Another tab may have refreshed while this one waited for the lock: the cookies are
        // shared, so look before rotating (rotating a token twice would end the session).
        const state = await rawClient.auth.session.query();
        if (state.user && state.access_expires_in !== null && state.access_expires_in * 1000 > this.leadMs() + 2_000) {
          this.adopt(state.access_expires_in);
          return true;
        }
        const result = await rawClient.auth.refresh.mutate();
        this.started(result.session.access_expires_in, result.session.access_expires_in);
        this.channel?.postMessage({ type: "refreshed", expiresIn: result.session.access_expires_in } satisfies Message);
        return true;
      } catch {
        this.end();
        return false;
      }
    };
    if (typeof navigator !== "undefined" && navigator.locks) {
      return navigator.locks.request("fim-session-refresh", run);
    }
    return run();
  }

  /** The server says there is no session: ended (if there was one) or anonymous (if not). */
  end(): void {
    clearTimeout(this.timer);
    this.setStatus(this.status === "active" ? "ended" : "anonymous");
  }

  /** This person logged out: every tab goes to the login page. */
  signedOut(): void {
    clearTimeout(this.timer);
    this.channel?.postMessage({ type: "signed-out" } satisfies Message);
    this.signedOutHere = true;
    this.setStatus("anonymous");
  }
}

export const session = new SessionKeeper();
