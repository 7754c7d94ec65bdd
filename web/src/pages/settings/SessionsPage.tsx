// Settings → Sessions: where this account is logged in, and a way to end any of those sessions.

import { ConfirmDialog, useConfirmation } from "../../components/ConfirmDialog.tsx";
import { PageHeader } from "../../components/Layout.tsx";
import { QueryState } from "../../components/QueryState.tsx";
import { RelativeTime } from "../../components/Time.tsx";
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

export function SessionsPage() {
  const { signOut } = useAuth();
  const utils = trpc.useUtils();
  const sessions = trpc.sessions.list.useQuery();
  const revoke = trpc.sessions.revoke.useMutation({
    onSuccess: (result) => {
      if (result.current) void signOut();
      else void utils.sessions.list.invalidate();
    },
  });
  const revoking = useConfirmation(revoke, (s: Session) => ({ id: s.id }));

  return (
    <>
      <PageHeader
        title="Sessions"
        description="Every browser or device where you are logged in. Revoke any session you do not recognise."
        actions={
          <button type="button" className="button" onClick={() => signOut({ everywhere: true })}>
            Log out everywhere
          </button>
        }
      />
      <QueryState query={sessions} loading="Loading sessions…">
        {(data) => (
          <div className="table-wrap">
            <table className="table">
              <caption className="sr-only">Active sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">Address</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => (
                  <tr key={s.id}>
                    <th scope="row" data-label="Device">
                      <span title={s.user_agent ?? undefined}>{describeDevice(s.user_agent)}</span>{" "}
                      {s.current && <span className="badge badge-active">This device</span>}
                    </th>
                    <td data-label="Address">{s.ip ?? <span className="muted">Unknown</span>}</td>
                    <td data-label="Created">
                      <RelativeTime iso={s.created_at} />
                    </td>
                    <td data-label="Last used">
                      <RelativeTime iso={s.last_used_at} />
                    </td>
                    <td className="actions-cell">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => revoking.ask(s)}
                          aria-label={`Revoke session: ${describeDevice(s.user_agent)}${s.current ? " (this device)" : ""}`}
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
    </>
  );
}
