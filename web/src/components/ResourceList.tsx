// The scaffold of the portal's lists of things a person owns (agents, connectors, knowledge
// bases and their documents): a page of cards with the query's states and a pager, and, for the
// lists that are just that, the whole page (a New button, Edit and Delete on every card, the
// editor dialog, the question before deleting).
import { Fragment, type ReactNode, useState } from "react";
import { type ConfirmableMutation, ConfirmDialog, useConfirmation } from "./ConfirmDialog.tsx";
import { PageHeader } from "./Layout.tsx";
import { type CursorPager, Pager } from "./Pager.tsx";
import { type QueryLike, QueryState } from "./QueryState.tsx";
import { EmptyState } from "./Status.tsx";

/** One page of a list procedure. */
export interface ItemPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** A page of cards: loading, failed, empty (on the first page), the cards, then the pager. */
export function CardList<T extends { id: string }>({
  query,
  pager,
  label,
  loading,
  empty,
  listLabel,
  current,
  children,
}: {
  query: QueryLike<ItemPage<T>>;
  pager: CursorPager;
  /** Names the pager ("Agents" → "Agents pages"). */
  label: string;
  loading: string;
  empty: ReactNode;
  /** The list's accessible name, where the page has more than one list. */
  listLabel?: string;
  /** Marks the card the page is showing (aria-current). */
  current?: (item: T) => boolean;
  /** A card's content. */
  children: (item: T) => ReactNode;
}) {
  return (
    <QueryState
      query={query}
      loading={loading}
      // Past the first page an empty page keeps its pager, so the way back stays.
      isEmpty={(data) => data.items.length === 0 && pager.page === 1}
      empty={empty}
    >
      {(data) => (
        <>
          <ul className="list-cards" aria-label={listLabel}>
            {data.items.map((item) => (
              <li key={item.id} className="list-card" aria-current={current?.(item) ? "true" : undefined}>
                {children(item)}
              </li>
            ))}
          </ul>
          <Pager pager={pager} nextCursor={data.next_cursor} label={label} />
        </>
      )}
    </QueryState>
  );
}

/**
 * A whole list page: title and New button, the cards with Edit and Delete, the editor dialog
 * (for a new item or the one being edited) and the question before deleting.
 */
export function ResourcePage<T extends { id: string; name: string }>({
  title,
  description,
  noun,
  query,
  pager,
  empty,
  card,
  editor,
  remove,
  removeWarning,
}: {
  title: string;
  description: ReactNode;
  /** "agent": the buttons say "New agent" and "Delete agent". */
  noun: string;
  query: QueryLike<ItemPage<T>>;
  pager: CursorPager;
  /** The empty list: its title, one line, and the label of the button that creates the first one. */
  empty: { title: string; text: ReactNode; action: string };
  /** What a card shows besides its Edit and Delete buttons. */
  card: (item: T) => ReactNode;
  /** The create (item null) or edit dialog; `close` when it is done or cancelled. */
  editor: (item: T | null, close: () => void) => ReactNode;
  remove: ConfirmableMutation<{ id: string }>;
  /** What deleting one does, said in the confirm dialog. */
  removeWarning: ReactNode;
}) {
  const [editing, setEditing] = useState<{ item: T | null } | null>(null);
  const deletion = useConfirmation(remove, (item: T) => ({ id: item.id }));
  const newButton = (label: string) => (
    <button type="button" className="button button-primary" onClick={() => setEditing({ item: null })}>
      {label}
    </button>
  );
  return (
    <>
      <PageHeader title={title} description={description} actions={newButton(`New ${noun}`)} />
      <CardList
        query={query}
        pager={pager}
        label={title}
        loading={`Loading ${title.toLowerCase()}…`}
        empty={
          <EmptyState title={empty.title} action={newButton(empty.action)}>
            {empty.text}
          </EmptyState>
        }
      >
        {(item) => (
          <>
            <div>{card(item)}</div>
            <div className="row-actions">
              <button
                type="button"
                className="button button-small"
                onClick={() => setEditing({ item })}
                aria-label={`Edit ${item.name}`}
              >
                Edit
              </button>
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => deletion.ask(item)}
                aria-label={`Delete ${item.name}`}
              >
                Delete
              </button>
            </div>
          </>
        )}
      </CardList>
      {editing && (
        // Keyed, so another item (or a new one) starts from a fresh form.
        <Fragment key={editing.item?.id ?? "new"}>{editor(editing.item, () => setEditing(null))}</Fragment>
      )}
      <ConfirmDialog
        {...deletion.dialog}
        title={`Delete “${deletion.target?.name ?? ""}”?`}
        confirmLabel={`Delete ${noun}`}
      >
        {removeWarning}
      </ConfirmDialog>
    </>
  );
}
