// What every portal procedure receives: the application context, the HTTP exchange (for
// cookies), where the request came from, and the caller behind the access-token cookie.
import type { Request, Response } from "express";
import { authenticate } from "../auth/authenticate.ts";
import type { Principal } from "../auth/scopes.ts";
import type { AppContext } from "../context.ts";
import type { TokenPair } from "../contracts/auth.ts";
import type { RequestMeta } from "../services/audit.ts";
import {
  ACCESS_COOKIE,
  clearMfaCookie,
  clearSessionCookies,
  MFA_COOKIE,
  REFRESH_COOKIE,
  type SessionTimes,
  setMfaCookie,
  setSessionCookies,
} from "./cookies.ts";

export interface PortalContext {
  app: AppContext;
  req: Request;
  res: Response;
  meta: RequestMeta;
  /** The access token from its cookie (a chat stream re-checks it while it runs). */
  accessToken: string | undefined;
  /** The refresh token, present only on the request to `auth.refresh` (path-scoped cookie). */
  refreshToken: string | undefined;
  /** A login's mfa_token, present only on the request to `auth.loginMfa` (path-scoped cookie). */
  mfaToken: string | undefined;
  /**
   * The caller behind the access-token cookie, through the one `authenticate` function the REST
   * routes use. Authenticated once per HTTP request, however many procedures a batch holds.
   */
  principal(): Promise<Principal>;
  startSession(pair: TokenPair): SessionTimes;
  endSession(): void;
  /** Keeps a login's mfa_token for its second step (HttpOnly cookie), or forgets it. */
  awaitSecondFactor(token: string, expiresInSeconds: number): void;
  endSecondFactor(): void;
}

function cookie(req: Request, name: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The context of one HTTP request (a batch's procedures share it). */
export function portalContextFactory(app: AppContext) {
  return (req: Request, res: Response): PortalContext => {
    let principal: Promise<Principal> | undefined;
    return {
      app,
      req,
      res,
      meta: { ip: req.ip ?? null, userAgent: req.get("user-agent") ?? null },
      accessToken: cookie(req, ACCESS_COOKIE),
      refreshToken: cookie(req, REFRESH_COOKIE),
      mfaToken: cookie(req, MFA_COOKIE),
      principal() {
        principal ??= authenticate(app, cookie(req, ACCESS_COOKIE));
        return principal;
      },
      startSession: (pair) => setSessionCookies(res, app.config, req.secure, pair, app.clock.now()),
      endSession: () => clearSessionCookies(res, app.config, req.secure),
      awaitSecondFactor: (token, expiresIn) => setMfaCookie(res, app.config, req.secure, token, expiresIn),
      endSecondFactor: () => clearMfaCookie(res, app.config, req.secure),
    };
  };
}
