// The person's past conversations beside the chat, newest first, and the way to a new one.
import { Link } from "react-router-dom";
import { QueryState } from "../../components/QueryState.tsx";
import { RelativeTime } from "../../components/Time.tsx";
import { trpc } from "../../lib/trpc.ts";

export function ConversationList({ activeId }: { activeId: string | undefined }) {
  const conversations = trpc.conversations.list.useQuery({ limit: 50 });
  return (
    <nav className="conversation-list" aria-label="Past conversations">
      <Link to="/chat" className="button button-primary button-block">
        New conversation
      </Link>
      <QueryState
        query={conversations}
        loading="Loading conversations…"
        empty={<p className="hint">Your conversations will appear here.</p>}
      >
        {(data) => (
          <ul>
            {data.items.map((c) => (
              <li key={c.id}>
                <Link
                  to={`/chat/${c.id}`}
                  className="conversation-link"
                  aria-current={c.id === activeId ? "page" : undefined}
                >
                  <span className="conversation-title">{c.title}</span>
                  <span className="hint">
                    <RelativeTime iso={c.updated_at} /> · {c.message_count} messages
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </nav>
  );
}
