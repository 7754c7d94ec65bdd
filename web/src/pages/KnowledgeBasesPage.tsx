// Knowledge bases: collections of documents the agents search. Create one, add documents (plain
// text or Markdown), and try a retrieval query to see which passages come back and how they score.
import { type FormEvent, useEffect, useId, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { ConfirmDialog, useConfirmation } from "../components/ConfirmDialog.tsx";
import { PageHeader } from "../components/Layout.tsx";
import { useCursorPager } from "../components/Pager.tsx";
import { QueryState } from "../components/QueryState.tsx";
import { CardList } from "../components/ResourceList.tsx";
import { EmptyState, ErrorNotice, Notice } from "../components/Status.tsx";
import { RelativeTime } from "../components/Time.tsx";
import { type RouterOutputs, trpc } from "../lib/trpc.ts";

type KnowledgeBase = RouterOutputs["knowledgeBases"]["list"]["items"][number];
type Document = RouterOutputs["knowledgeBases"]["documents"]["items"][number];

const KNOWLEDGE_BASES_PER_PAGE = 20;
const DOCUMENTS_PER_PAGE = 50;

/** After a document comes or goes: the knowledge base's document list and its counts (in the list and on its own). */
/** "1 document", "3 documents", "1,200 passages". */
function counted(count: number, noun: string): string {
  return `${count.toLocaleString("en")} ${noun}${count === 1 ? "" : "s"}`;
}

function useDocumentsChanged(): (id: string) => void {
  const utils = trpc.useUtils();
  return (id) => {
    void utils.knowledgeBases.documents.invalidate({ id });
    void utils.knowledgeBases.list.invalidate();
    void utils.knowledgeBases.get.invalidate({ id });
  };
}

/** The empty state's button leads here: the create form's first field. */
const NEW_KB_NAME_ID = "new-knowledge-base-name";

function focusField(id: string) {
  document.getElementById(id)?.focus();
}

function CreateKnowledgeBaseForm({ onCreated }: { onCreated: (kb: KnowledgeBase) => void }) {
  const utils = trpc.useUtils();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const create = trpc.knowledgeBases.create.useMutation({
    onSuccess: (kb) => {
      setName("");
      setDescription("");
      void utils.knowledgeBases.list.invalidate();
      onCreated(kb);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setProblem("Name is required.");
    setProblem(null);
    create.mutate({ name: name.trim(), description: description.trim() || undefined });
  }
  return (
    <form className="form form-compact card" onSubmit={submit} noValidate aria-label="New knowledge base">
      <h2>New knowledge base</h2>
      {problem && <Notice kind="error">{problem}</Notice>}
      {create.error && <ErrorNotice error={create.error} />}
      <label className="field">
        <span className="label">Name</span>
        <input id={NEW_KB_NAME_ID} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
      </label>
      <label className="field">
        <span className="label">Description</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create knowledge base"}
        </button>
      </div>
    </form>
  );
}

function AddDocumentForm({ kb, onAdded, titleId }: { kb: KnowledgeBase; onAdded: () => void; titleId: string }) {
  const documentsChanged = useDocumentsChanged();
  const [title, setTitle] = useState("");
  const [content, setContent] = useState("");
  const [format, setFormat] = useState<"text" | "markdown">("text");
  const [problem, setProblem] = useState<string | null>(null);
  const add = trpc.knowledgeBases.addDocument.useMutation({
    onSuccess: () => {
      setTitle("");
      setContent("");
      documentsChanged(kb.id);
      onAdded();
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return setProblem("Title is required.");
    if (!content.trim()) return setProblem("Paste or type the document's text.");
    setProblem(null);
    add.mutate({ id: kb.id, title: title.trim(), content, format });
  }
  return (
    <form className="form form-compact" onSubmit={submit} noValidate aria-label="Add a document">
      <h3>Add a document</h3>
      {problem && <Notice kind="error">{problem}</Notice>}
      {add.error && <ErrorNotice error={add.error} />}
      {add.isSuccess && (
        <Notice kind="success">
          Added “{add.data.title}” ({add.data.chunk_count} passage{add.data.chunk_count === 1 ? "" : "s"}).
        </Notice>
      )}
      <div className="filters">
        <label className="field field-inline" style={{ flex: 1 }}>
          <span className="label">Title</span>
          <input id={titleId} value={title} onChange={(e) => setTitle(e.target.value)} maxLength={500} />
        </label>
        <label className="field field-inline">
          <span className="label">Format</span>
          <select value={format} onChange={(e) => setFormat(e.target.value as "text" | "markdown")}>
            <option value="text">Plain text</option>
            <option value="markdown">Markdown</option>
          </select>
        </label>
      </div>
      <label className="field">
        <span className="label">Content</span>
        <textarea rows={6} value={content} onChange={(e) => setContent(e.target.value)} />
        <span className="hint">Split into passages at paragraph boundaries.</span>
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add document"}
        </button>
      </div>
    </form>
  );
}

function RetrievalTry({ kb }: { kb: KnowledgeBase }) {
  const [draft, setDraft] = useState("");
  const [query, setQuery] = useState<string | null>(null);
  const [topK, setTopK] = useState(5);
  const results = trpc.knowledgeBases.retrieve.useQuery(
    { id: kb.id, query: query ?? "", top_k: topK },
    { enabled: query !== null },
  );
  const best = Math.max(0, ...(results.data?.results.map((r) => r.score) ?? []));
  return (
    <section aria-label="Try a retrieval query">
      <h3>Try a query</h3>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          if (draft.trim()) setQuery(draft.trim());
        }}
      >
        <label className="field field-inline" style={{ flex: 1 }}>
          <span className="label">Query</span>
          <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. how many vacation days" />
        </label>
        <label className="field field-inline">
          <span className="label">Results</span>
          <select value={topK} onChange={(e) => setTopK(Number(e.target.value))}>
            {[3, 5, 10].map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {query !== null && (
        <QueryState
          query={results}
          loading="Searching…"
          isEmpty={(data) => data.results.length === 0}
          empty={
            <p className="hint" role="status">
              Nothing in this knowledge base matches “{query}”.
            </p>
          }
        >
          {(data) => (
            <ol className="results" aria-label="Results, best first">
              {data.results.map((r) => (
                <li key={`${r.document_id}-${r.chunk_index}`} className="result">
                  <div className="filters" style={{ marginBottom: 0, justifyContent: "space-between" }}>
                    <strong>{r.document_title}</strong>
                    <span className="score" title="Relevance score (BM25)">
                      score {r.score.toFixed(2)}
                    </span>
                  </div>
                  <div className="score-bar" aria-hidden="true">
                    <span className="score-fill" style={{ width: `${best ? (100 * r.score) / best : 0}%` }} />
                  </div>
                  <div className="message-body">{r.content}</div>
                </li>
              ))}
            </ol>
          )}
        </QueryState>
      )}
    </section>
  );
}

function KnowledgeBaseDetail({ kb, onDeleted }: { kb: KnowledgeBase; onDeleted: () => void }) {
  const utils = trpc.useUtils();
  const documentsChanged = useDocumentsChanged();
  const pager = useCursorPager();
  const documents = trpc.knowledgeBases.documents.useQuery({
    id: kb.id,
    limit: DOCUMENTS_PER_PAGE,
    cursor: pager.cursor,
  });
  const removeDoc = trpc.knowledgeBases.deleteDocument.useMutation({ onSuccess: () => documentsChanged(kb.id) });
  const deletingDoc = useConfirmation(removeDoc, (doc: Document) => ({ id: kb.id, document_id: doc.id }));
  const removeKb = trpc.knowledgeBases.delete.useMutation({
    // The list is fresh before the page picks another one to show (never the one just deleted).
    onSuccess: async () => {
      await utils.knowledgeBases.list.invalidate();
      onDeleted();
    },
  });
  const deletingKb = useConfirmation(removeKb, (it: KnowledgeBase) => ({ id: it.id }));
  const documentTitleId = useId();
  return (
    <section className="card form" aria-labelledby="kb-title">
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h2 id="kb-title">{kb.name}</h2>
          {kb.description && <p className="page-description">{kb.description}</p>}
          {/* The counts on a line of their own, never run on from the description. */}
          <p className="hint kb-counts" data-testid="kb-counts">
            {counted(kb.document_count, "document")} · {counted(kb.chunk_count, "passage")}
          </p>
        </div>
        <button type="button" className="button button-small button-danger" onClick={() => deletingKb.ask(kb)}>
          Delete knowledge base
        </button>
      </div>
      <RetrievalTry kb={kb} />
      <section aria-label="Documents">
        <h3>Documents</h3>
        <CardList
          query={documents}
          pager={pager}
          label="Documents"
          loading="Loading documents…"
          empty={
            <EmptyState
              title="No documents yet"
              action={
                <button type="button" className="button button-primary" onClick={() => focusField(documentTitleId)}>
                  Add your first document
                </button>
              }
            >
              Agents search the documents you add here: paste text or Markdown.
            </EmptyState>
          }
        >
          {(doc) => (
            <>
              <div>
                <strong>{doc.title}</strong>
                <span className="hint">
                  {doc.format === "markdown" ? "Markdown" : "Text"} · {doc.content_length.toLocaleString()} characters ·{" "}
                  {doc.chunk_count} passage{doc.chunk_count === 1 ? "" : "s"} · added{" "}
                  <RelativeTime iso={doc.created_at} />
                </span>
              </div>
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => deletingDoc.ask(doc)}
                aria-label={`Delete document ${doc.title}`}
              >
                Delete
              </button>
            </>
          )}
        </CardList>
      </section>
      {/* A new document is the newest: back to the first page, where it is. */}
      <AddDocumentForm kb={kb} onAdded={pager.reset} titleId={documentTitleId} />
      <ConfirmDialog
        {...deletingDoc.dialog}
        title={`Delete “${deletingDoc.target?.title ?? ""}”?`}
        confirmLabel="Delete document"
      >
        <p>Its passages will no longer be found.</p>
      </ConfirmDialog>
      <ConfirmDialog {...deletingKb.dialog} title={`Delete “${kb.name}”?`} confirmLabel="Delete knowledge base">
        <p>All its documents are deleted, and agents stop reading it.</p>
      </ConfirmDialog>
    </section>
  );
}

export function KnowledgeBasesPage() {
  const [params, setParams] = useSearchParams();
  const pager = useCursorPager();
  const list = trpc.knowledgeBases.list.useQuery({ limit: KNOWLEDGE_BASES_PER_PAGE, cursor: pager.cursor });
  const selectedId = params.get("kb");
  const onThisPage = list.data?.items.find((kb) => kb.id === selectedId);
  // The one chosen may be on another page of the list, or came in a link: it is asked for on its own.
  const byId = trpc.knowledgeBases.get.useQuery(
    { id: selectedId ?? "" },
    { enabled: selectedId !== null && list.data !== undefined && onThisPage === undefined },
  );
  const selected = onThisPage ?? (byId.data?.id === selectedId ? byId.data : undefined) ?? null;
  const select = (id: string | null) => setParams(id ? { kb: id } : {}, { replace: true });

  useEffect(() => {
    if (!selectedId && list.data?.items[0]) setParams({ kb: list.data.items[0].id }, { replace: true });
  }, [selectedId, list.data, setParams]);

  return (
    <>
      <PageHeader
        title="Knowledge bases"
        description="Documents your agents can search. Add text or Markdown, then try a query to see what an agent would find."
      />
      <div className="split">
        <div className="form">
          <CardList
            query={list}
            pager={pager}
            label="Knowledge bases"
            loading="Loading knowledge bases…"
            empty={
              <EmptyState
                title="No knowledge bases yet"
                action={
                  <button type="button" className="button button-primary" onClick={() => focusField(NEW_KB_NAME_ID)}>
                    Create your first knowledge base
                  </button>
                }
              >
                A knowledge base holds documents your agents can search.
              </EmptyState>
            }
            listLabel="Your knowledge bases"
            current={(kb) => kb.id === selected?.id}
          >
            {(kb) => (
              <div>
                <h3>
                  <button type="button" className="link-button" onClick={() => select(kb.id)}>
                    {kb.name}
                  </button>
                </h3>
                <span className="hint">
                  {counted(kb.document_count, "document")} · updated <RelativeTime iso={kb.updated_at} />
                </span>
              </div>
            )}
          </CardList>
          <CreateKnowledgeBaseForm
            onCreated={(kb) => {
              // The newest comes first: show the first page, where it is.
              pager.reset();
              select(kb.id);
            }}
          />
        </div>
        <div>
          {selected ? (
            <KnowledgeBaseDetail key={selected.id} kb={selected} onDeleted={() => select(null)} />
          ) : (
            list.data &&
            list.data.items.length > 0 && <p className="hint">Choose a knowledge base to see its documents.</p>
          )}
        </div>
      </div>
    </>
  );
}
