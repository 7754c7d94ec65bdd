// What every portal procedure receives: the application context, the HTTP exchange (for
// cookies), where the request came from, and the caller behind the access-token cookie.
import cookieParser from "cookie-parser";
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

const parseCookies = cookieParser();
const noop = () => undefined;

/**
 * The request's cookies as cookie-parser reads them (JSON cookies decoded), read into an object of
 * their own rather than onto the request. cookie-parser adds `cookies`, `signedCookies` and
 * `secret` to the object it is given, and on Express's request object that made the whole request
 * dearer: `GET /trpc/me` took about 20 µs more CPU (213 against 190 µs), presumably as the request
 * leaves V8's fast property layout for every later access. Nothing else reads `req.cookies`.
 */
function readCookies(req: Request): Record<string, unknown> {
  const holder: { headers: Request["headers"]; cookies?: Record<string, unknown> } = { headers: req.headers };
  parseCookies(holder as Request, undefined as unknown as Response, noop);
  return holder.cookies ?? {};
}

function cookie(cookies: Record<string, unknown>, name: string): string | undefined {
  const value = cookies[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The context of one HTTP request (a batch's procedures share it). */
export function portalContextFactory(app: AppContext) {
  return (req: Request, res: Response): PortalContext => {
    let principal: Promise<Principal> | undefined;
    const cookies = readCookies(req);
    const accessToken = cookie(cookies, ACCESS_COOKIE);
    return {
      app,
      req,
      res,
      meta: { ip: req.ip ?? null, userAgent: req.get("user-agent") ?? null },
      accessToken,
      refreshToken: cookie(cookies, REFRESH_COOKIE),
      mfaToken: cookie(cookies, MFA_COOKIE),
      principal() {
        principal ??= authenticate(app, accessToken);
        return principal;
      },
      startSession: (pair) => setSessionCookies(res, app.config, req.secure, pair, app.clock.now()),
      endSession: () => clearSessionCookies(res, app.config, req.secure),
      awaitSecondFactor: (token, expiresIn) => setMfaCookie(res, app.config, req.secure, token, expiresIn),
      endSecondFactor: () => clearMfaCookie(res, app.config, req.secure),
    };
  };
}
