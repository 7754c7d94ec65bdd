// Calls the server the way outside programs do (REST with a bearer token), and logs a browser in
// through the portal's own login procedure instead of typing into the form every time.
import { type APIRequestContext, expect, type Page } from "@playwright/test";

export const CSRF = { "x-fim-csrf": "1" };

/** Logs the page's browser context in: the session cookies land in its cookie jar. */
export async function portalLogin(page: Page, email: string, password: string): Promise<void> {
  const response = await page.request.post("/trpc/auth.login", { data: { email, password }, headers: CSRF });
  expect(response.status(), await response.text()).toBe(200);
}

export async function restLogin(request: APIRequestContext, email: string, password: string): Promise<string> {
  const response = await request.post("/api/auth/login", { data: { email, password } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token;
}

export async function restCreateKey(
  request: APIRequestContext,
  token: string,
  body: { name: string; scopes?: string | string[]; expires_at?: string },
): Promise<{ key: string; id: string; key_prefix: string }> {
  const response = await request.post("/api/me/api-keys", {
    data: body,
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/** A REST call with an API key: status and the parsed JSON body. */
export async function callWithKey(
  request: APIRequestContext,
  key: string,
  path: string,
  init: { method?: "GET" | "POST"; data?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const response = await request.fetch(path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${key}` },
    data: init.data,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // an event stream or empty body: keep the text
  }
  return { status: response.status(), body };
}

let counter = 0;
/** A unique, readable name for things a test creates. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix} ${Date.now().toString(36)}${counter}`;
}
