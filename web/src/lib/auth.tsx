// Who is signed in, for the whole app. The cookies are invisible to JavaScript; the app knows
// the person from `me`, and the session keeper tells it when the session ends.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { type SessionStatus, session } from "./session.ts";
import { type RouterOutputs, trpc } from "./trpc.ts";

export type CurrentUser = RouterOutputs["me"]["user"];

interface AuthState {
  status: SessionStatus;
  user: CurrentUser | null;
  /** The password step; "mfa_required" when the account asks for a code next (completeSignIn). */
  signIn(email: string, password: string): Promise<"signed_in" | "mfa_required">;
  /** The second step of a two-factor login: a current code from the app, or a recovery code. */
  completeSignIn(code: string): Promise<void>;
  signOut(options?: { everywhere?: boolean }): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside <AuthProvider>");
  return value;
}

/** Where to send someone back after logging in: only paths on this site. */
export function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/settings/api-keys";
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>(session.status);
  const queryClient = useQueryClient();
  const utils = trpc.useUtils();
  const navigate = useNavigate();
  const location = useLocation();
  const me = trpc.me.useQuery(undefined, {
    retry: false,
    staleTime: 60_000,
    enabled: status === "unknown" || status === "active",
  });
  const loginMutation = trpc.auth.login.useMutation();
  const loginMfaMutation = trpc.auth.loginMfa.useMutation();
  const logoutMutation = trpc.auth.logout.useMutation();
  const logoutEverywhere = trpc.auth.logoutEverywhere.useMutation();

  useEffect(() => session.subscribe(setStatus), []);

  useEffect(() => {
    if (me.data && me.data.access_expires_in !== null && session.status !== "active") {
      session.started(me.data.access_expires_in);
    }
    if (me.error && session.status === "unknown") session.end();
  }, [me.data, me.error]);

  // The session ended under us (expired, revoked, logged out in another tab): forget everything
  // we showed and go to the login page, remembering where the person was.
  useEffect(() => {
    if (status !== "ended") return;
    queryClient.clear();
    if (!location.pathname.startsWith("/login")) {
      const next = `${location.pathname}${location.search}`;
      navigate(`/login?next=${encodeURIComponent(next)}&ended=1`, { replace: true });
    }
  }, [status, queryClient, navigate, location.pathname, location.search]);

  const started = useCallback(
    (result: RouterOutputs["auth"]["loginMfa"]) => {
      queryClient.clear();
      utils.me.setData(undefined, { user: result.user, access_expires_in: result.session.access_expires_in });
      session.started(result.session.access_expires_in, result.session.access_expires_in);
    },
    [queryClient, utils],
  );

  const signIn = useCallback(
    async (email: string, password: string) => {
      const result = await loginMutation.mutateAsync({ email, password });
      if ("mfa_required" in result) return "mfa_required" as const;
      started(result);
      return "signed_in" as const;
    },
    [loginMutation, started],
  );

  const completeSignIn = useCallback(
    async (code: string) => {
      started(await loginMfaMutation.mutateAsync({ code }));
    },
    [loginMfaMutation, started],
  );

  const signOut = useCallback(
    async (options: { everywhere?: boolean } = {}) => {
      await session.ensureFresh(5_000);
      try {
        if (options.everywhere) await logoutEverywhere.mutateAsync();
        else await logoutMutation.mutateAsync();
      } finally {
        // The route guard sees the session gone and shows the login page ("You have been logged out").
        queryClient.clear();
        session.signedOut();
      }
    },
    [logoutMutation, logoutEverywhere, queryClient],
  );

  const user = status === "anonymous" || status === "ended" ? null : (me.data?.user ?? null);
  const effectiveStatus: SessionStatus = status === "unknown" && me.isFetched && !me.data ? "anonymous" : status;
  const value = useMemo(
    () => ({ status: effectiveStatus, user, signIn, completeSignIn, signOut }),
    [effectiveStatus, user, signIn, completeSignIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
