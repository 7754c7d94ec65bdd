// JSON Web Tokens: HS256 only (the algorithm is pinned on verify, so `alg: none` and algorithm
// swaps are refused), with a `typ` claim so an access token is never taken as a refresh token or
// the reverse.
import type { KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Clock } from "../clock.ts";
import { AppError } from "../errors.ts";

export type TokenType = "access" | "refresh";

export interface AccessClaims {
  sub: string;
  sid: string;
  typ: "access";
  iat: number;
  exp: number;
}

export interface RefreshClaims {
  sub: string;
  sid: string;
  typ: "refresh";
  jti: string;
  iat: number;
  exp: number;
}

const ALGORITHM = "HS256" as const;
const ISSUER = "fim";

export function signToken(
  secret: string | KeyObject,
  clock: Clock,
  ttlSeconds: number,
  claims: { sub: string; sid: string; typ: TokenType; jti?: string },
): { token: string; expiresAt: Date } {
  const iat = Math.floor(clock.now().getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = jwt.sign({ ...claims, iat, exp }, secret, { algorithm: ALGORITHM, issuer: ISSUER });
  return { token, expiresAt: new Date(exp * 1000) };
}

type Secret = string | KeyObject;

export function verifyToken(secret: Secret, clock: Clock, token: string, typ: "access"): AccessClaims;
export function verifyToken(secret: Secret, clock: Clock, token: string, typ: "refresh"): RefreshClaims;
export function verifyToken(secret: Secret, clock: Clock, token: string, typ: TokenType): AccessClaims | RefreshClaims {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      clockTimestamp: Math.floor(clock.now().getTime() / 1000),
    });
  } catch (error) {
    if (error instanceof jwt.TokenExpiredError) throw new AppError("token_expired");
    throw new AppError("invalid_token", "The token signature or format is invalid");
  }
  if (
    typeof payload !== "object" ||
    typeof payload.sub !== "string" ||
    typeof payload.sid !== "string" ||
    typeof payload.exp !== "number" ||
    typeof payload.iat !== "number"
  ) {
    throw new AppError("invalid_token", "The token is missing required claims");
  }
  if (payload.typ !== typ) {
    throw new AppError("invalid_token", `A ${String(payload.typ)} token cannot be used here`);
  }
  if (typ === "refresh" && typeof payload.jti !== "string") {
    throw new AppError("invalid_token", "The token is missing required claims");
  }
  return payload as unknown as AccessClaims | RefreshClaims;
}
