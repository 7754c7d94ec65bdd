// Settings → Sessions: where this account is logged in, and a way to end any of those sessions.

import { useState } from "react";
import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { Notice } from "../../components/Status.tsx";
import { DateTime, RelativeTime } from "../../components/Time.tsx";
import { useAuth } from "../../lib/auth.tsx";
import { type RouterOutputs, trpc } from "../../lib/trpc.ts";

type Session = RouterOutputs["sessions"]["list"]["items"][number];

/** "Chrome on Linux" from a user agent string; the full string stays on hover. */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(userAgent)
        ? "Chrome"
        : /Safari\//.test(userAgent)
          ? "Safari"
          : /curl\//.test(userAgent)
            ? "curl"
            : /node|undici/i.test(userAgent)
              ? "Node.js"
              : userAgent.split(/[ /]/)[0] || "Unknown browser";
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
      ? "iOS"
      : /Windows/.test(userAgent)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : null;
  return os ? `${browser} on ${os}` : browser;
}

/** This device first, then the most recently active. */
function byActivity(a: Session, b: Session): number {
  if (a.current !== b.current) return a.current ? -1 : 1;
  return b.last_used_at.localeCompare(a.last_used_at);
}

export function SessionsPage() {
  const { signOut } = useAuth();
  const utils = trpc.useUtils();
  const sessions = trpc.sessions.list.useQuery();
  const [ended, setEnded] = useState<number | null>(null);
  const revoke = trpc.sessions.revoke.useMutation({
    onSuccess: (result) => {
      if (result.current) void signOut();
      else void utils.sessions.list.invalidate();
    },
  });
  const revoking = useConfirmation(revoke, (s: Session) => ({ id: s.id }));
  const revokeOthers = trpc.sessions.revokeOthers.useMutation({
    onSuccess: (result) => {
      setEnded(result.revoked_sessions);
      void utils.sessions.list.invalidate();
    },
  });
  const endingOthers = useConfirmation(revokeOthers, (_: "others") => undefined);
  const others = sessions.data?.items.filter((s) => !s.current).length ?? 0;

  return (
    <>
      <PageHeader
        title="Sessions"
        description="Every browser or device where you are logged in. Revoke any session you do not recognise. Last activity is kept to the minute."
        actions={
          <>
            <button
              type="button"
              className="button"
              disabled={others === 0}
              onClick={() => {
                setEnded(null);
                endingOthers.ask("others");
              }}
            >
              Log out all other sessions
            </button>
            <button type="button" className="button" onClick={() => signOut({ everywhere: true })}>
              Log out everywhere
            </button>
          </>
        }
      />
      {ended !== null && (
        <Notice kind="success">
          {ended === 0
            ? "There were no other sessions to end."
            : `${ended} other session${ended === 1 ? " was" : "s were"} logged out.`}
        </Notice>
      )}
      <QueryState query={sessions} loading="Loading sessions…">
        {(data) => (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Active sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Address</th>
                  <th scope="col">Last active</th>
                  <th scope="col">First seen</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...data.items].sort(byActivity).map((s) => (
                  <tr key={s.id}>
                    <th scope="row" data-label="Device">
                      <span title={s.user_agent ?? undefined}>{describeDevice(s.user_agent)}</span>{" "}
                      {s.current && <span className="badge badge-active">This device</span>}
                    </th>
                    <td data-label="Address">{s.ip ?? <span className="muted">Unknown</span>}</td>
                    <td data-label="Last active">{s.current ? "Now" : <RelativeTime iso={s.last_used_at} />}</td>
                    <td data-label="First seen">
                      <DateTime iso={s.created_at} />
                    </td>
                    <td className="actions-cell">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => revoking.ask(s)}
                          aria-label={`Revoke session: ${describeDevice(s.user_agent)}${s.ip ? ` from ${s.ip}` : ""}${s.current ? " (this device)" : ""}`}
                        >
                          Revoke
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <ConfirmDialog {...revoking.dialog} title="Revoke this session?" confirmLabel="Revoke session">
        <p>
          {revoking.target?.current
            ? "This is the session you are using now: you will be logged out."
            : `${describeDevice(revoking.target?.user_agent ?? null)} will be logged out on its next request.`}
        </p>
      </ConfirmDialog>
      <ConfirmDialog {...endingOthers.dialog} title="Log out all other sessions?" confirmLabel="Log out other sessions">
        <p>
          {others === 1 ? "The other session" : `The ${others} other sessions`} will be logged out on their next
          request. You stay logged in here.
        </p>
      </ConfirmDialog>
    </>
  );
}
