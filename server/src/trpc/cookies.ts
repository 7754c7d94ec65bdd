// The portal's session lives in two HttpOnly, SameSite=Strict cookies: the access token for every
// tRPC call, and the refresh token, sent only to the one procedure that rotates it.
import type { Response } from "express";
import type { Config } from "../config.ts";
import type { TokenPair } from "../contracts/auth.ts";

/** Where the tRPC handler is mounted; the cookie paths below depend on it. */
export const TRPC_PATH = "/trpc";
export const ACCESS_COOKIE = "fim_access";
export const REFRESH_COOKIE = "fim_refresh";
/** A path-scoped cookie: the browser sends the refresh token to `auth.refresh` and nowhere else. */
export const REFRESH_COOKIE_PATH = `${TRPC_PATH}/auth.refresh`;
/**
 * A login waiting for its second factor: the mfa_token, sent only to the procedure that completes
 * it, so it never reaches the page's JavaScript either.
 */
export const MFA_COOKIE = "fim_mfa";
export const MFA_COOKIE_PATH = `${TRPC_PATH}/auth.loginMfa`;
/**
 * Cookie-authenticated mutations must carry this header. A cross-site page cannot add a custom
 * header without a CORS preflight, which this server never grants.
 */
export const CSRF_HEADER = "x-fim-csrf";

/** What the portal may know about its session: when to refresh, never the tokens themselves. */
export interface SessionTimes {
  access_expires_at: string;
  /** Seconds; lets the page schedule its refresh without trusting its own clock. */
  access_expires_in: number;
  refresh_expires_at: string;
}

function secureCookies(config: Config, requestIsHttps: boolean): boolean {
  if (config.cookieSecure === "true") return true;
  if (config.cookieSecure === "false") return false;
  return requestIsHttps;
}

export function setSessionCookies(
  res: Response,
  config: Config,
  requestIsHttps: boolean,
  pair: TokenPair,
  now: Date,
): SessionTimes {
  const secure = secureCookies(config, requestIsHttps);
  res.cookie(ACCESS_COOKIE, pair.access_token, {
    httpOnly: true,
    sameSite: "strict",
    secure,
    path: TRPC_PATH,
    maxAge: pair.expires_in * 1000,
  });
  res.cookie(REFRESH_COOKIE, pair.refresh_token, {
    httpOnly: true,
    sameSite: "strict",
    secure,
    path: REFRESH_COOKIE_PATH,
    expires: new Date(pair.refresh_expires_at),
  });
  return {
    access_expires_at: new Date(now.getTime() + pair.expires_in * 1000).toISOString(),
    access_expires_in: pair.expires_in,
    refresh_expires_at: pair.refresh_expires_at,
  };
}

export function clearSessionCookies(res: Response, config: Config, requestIsHttps: boolean): void {
  const secure = secureCookies(config, requestIsHttps);
  res.clearCookie(ACCESS_COOKIE, { httpOnly: true, sameSite: "strict", secure, path: TRPC_PATH });
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, sameSite: "strict", secure, path: REFRESH_COOKIE_PATH });
}

export function setMfaCookie(
  res: Response,
  config: Config,
  requestIsHttps: boolean,
  token: string,
  expiresInSeconds: number,
): void {
  res.cookie(MFA_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: secureCookies(config, requestIsHttps),
    path: MFA_COOKIE_PATH,
    maxAge: expiresInSeconds * 1000,
  });
}

export function clearMfaCookie(res: Response, config: Config, requestIsHttps: boolean): void {
  res.clearCookie(MFA_COOKIE, {
    httpOnly: true,
    sameSite: "strict",
    secure: secureCookies(config, requestIsHttps),
    path: MFA_COOKIE_PATH,
  });
}
