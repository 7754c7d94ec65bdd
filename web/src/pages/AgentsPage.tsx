// Agents: what the chat can run as. Name, instructions, model settings, the tools it may use and
// the knowledge bases and connectors it reads. List, create, edit, delete.
import { type FormEvent, type ReactNode, useState } from "react";
import { Link } from "react-router-dom";
import { FieldError } from "../components/FieldError.tsx";
import { FormDialog } from "../components/FormDialog.tsx";
import { useCursorPager } from "../components/Pager.tsx";
import { type QueryLike, QueryState } from "../components/QueryState.tsx";
import { ResourcePage } from "../components/ResourceList.tsx";
import { RelativeTime } from "../components/Time.tsx";
import { useFieldErrors } from "../lib/fieldErrors.ts";
import { type RouterOutputs, trpc } from "../lib/trpc.ts";

type Agent = RouterOutputs["agents"]["list"]["items"][number];
type Tool = Agent["tools"][number];

const TOOLS: { tool: Tool; label: string; hint: string }[] = [
  { tool: "calculator", label: "Calculator", hint: "Evaluates arithmetic exactly." },
  { tool: "kb_retrieve", label: "Knowledge base search", hint: "Searches the knowledge bases chosen below." },
  { tool: "connector_call", label: "Connector calls", hint: "Calls the actions of the connectors chosen below." },
];

interface Draft {
  name: string;
  description: string;
  instructions: string;
  model: string;
  temperature: string;
  maxIterations: string;
  tools: Tool[];
  knowledgeBaseIds: string[];
  connectorIds: string[];
}

function draftOf(agent: Agent | null): Draft {
  return {
    name: agent?.name ?? "",
    description: agent?.description ?? "",
    instructions: agent?.instructions ?? "",
    model: agent?.model_settings.model ?? "",
    temperature: agent?.model_settings.temperature?.toString() ?? "",
    maxIterations: agent?.model_settings.max_iterations?.toString() ?? "",
    tools: agent?.tools ?? ["calculator"],
    knowledgeBaseIds: agent?.knowledge_base_ids ?? [],
    connectorIds: agent?.connector_ids ?? [],
  };
}

function toggle<T>(list: T[], item: T, on: boolean): T[] {
  return on ? [...new Set([...list, item])] : list.filter((x) => x !== item);
}

/** Checkboxes over the caller's knowledge bases or connectors, with loading and empty states. */
function PickList(props: {
  legend: string;
  what: string;
  query: QueryLike<{ items: { id: string; name: string }[] }>;
  selected: string[];
  onChange: (ids: string[]) => void;
  empty: ReactNode;
}) {
  return (
    <fieldset className="fieldset">
      <legend>{props.legend}</legend>
      <QueryState
        query={props.query}
        loading={`Loading ${props.what}…`}
        empty={<p className="hint">None yet. {props.empty}.</p>}
      >
        {(data) =>
          data.items.map((item) => (
            <label key={item.id} className="checkbox">
              <input
                type="checkbox"
                checked={props.selected.includes(item.id)}
                onChange={(e) => props.onChange(toggle(props.selected, item.id, e.target.checked))}
              />
              {item.name}
            </label>
          ))
        }
      </QueryState>
    </fieldset>
  );
}

/** The fields whose errors show at the field, in page order, by their names in the contract, with their labels. */
const AGENT_LABELS = {
  name: "Name",
  description: "Description",
  instructions: "Instructions",
  "model_settings.model": "Model",
  "model_settings.temperature": "Temperature",
  "model_settings.max_iterations": "Max iterations",
};
type AgentField = keyof typeof AGENT_LABELS;

/** A number typed into a field: undefined when empty, NaN when it is not a number. */
function typedNumber(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text.trim());
}

function AgentDialog({ agent, onClose }: { agent: Agent | null; onClose: () => void }) {
  const utils = trpc.useUtils();
  const [draft, setDraft] = useState<Draft>(draftOf(agent));
  const fields = useFieldErrors(AGENT_LABELS);
  // A refusal that names something other than this form's fields; the others are shown at them.
  const [bannerError, setBannerError] = useState<unknown>(null);
  const edit = (patch: Partial<Draft>, field: AgentField) => {
    setDraft({ ...draft, ...patch });
    fields.clear(field);
  };
  const knowledgeBases = trpc.knowledgeBases.list.useQuery({ limit: 100 });
  const connectors = trpc.connectors.list.useQuery({ limit: 100 });
  const done = () => {
    void utils.agents.list.invalidate();
    onClose();
  };
  const create = trpc.agents.create.useMutation({ onSuccess: done });
  const update = trpc.agents.update.useMutation({ onSuccess: done });
  const pending = create.isPending || update.isPending;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBannerError(null);
    // Only what the server cannot be asked about is checked here; ranges are the server's to say.
    const temperature = typedNumber(draft.temperature);
    const maxIterations = typedNumber(draft.maxIterations);
    const found: Partial<Record<AgentField, string>> = {};
    if (!draft.name.trim()) found.name = "Name is required.";
    if (Number.isNaN(temperature)) found["model_settings.temperature"] = "Enter a number, such as 0.2.";
    if (Number.isNaN(maxIterations)) found["model_settings.max_iterations"] = "Enter a whole number, such as 8.";
    if (!fields.check(found)) return;
    const input = {
      name: draft.name.trim(),
      description: draft.description,
      instructions: draft.instructions,
      model_settings: {
        ...(draft.model.trim() ? { model: draft.model.trim() } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxIterations !== undefined ? { max_iterations: maxIterations } : {}),
      },
      tools: draft.tools,
      knowledge_base_ids: draft.knowledgeBaseIds,
      connector_ids: draft.connectorIds,
    };
    try {
      if (agent) await update.mutateAsync({ id: agent.id, ...input });
      else await create.mutateAsync(input);
    } catch (error) {
      if (!fields.fromServer(error)) setBannerError(error);
    }
  }

  return (
    <FormDialog
      title={agent ? `Edit “${agent.name}”` : "New agent"}
      size="large"
      onClose={onClose}
      onSubmit={submit}
      pending={pending}
      submitLabel={agent ? "Save agent" : "Create agent"}
      pendingLabel="Saving…"
      // A refusal naming only this form's fields is shown at them, not in a banner.
      error={bannerError}
    >
      <label className="field">
        <span className="label">Name</span>
        <input
          {...fields.field("name")}
          value={draft.name}
          onChange={(e) => edit({ name: e.target.value }, "name")}
          maxLength={200}
          data-autofocus
        />
        <FieldError error={fields.error("name")} />
      </label>
      <label className="field">
        <span className="label">Description</span>
        <input
          {...fields.field("description")}
          value={draft.description}
          onChange={(e) => edit({ description: e.target.value }, "description")}
          maxLength={2000}
        />
        <FieldError error={fields.error("description")} />
      </label>
      <label className="field">
        <span className="label">Instructions</span>
        <textarea
          {...fields.field("instructions")}
          rows={4}
          value={draft.instructions}
          onChange={(e) => edit({ instructions: e.target.value }, "instructions")}
          placeholder="How the agent should behave and answer."
        />
        <FieldError error={fields.error("instructions")} />
      </label>
      <fieldset className="fieldset">
        <legend>Model settings (optional)</legend>
        <div className="filters">
          <label className="field field-inline">
            <span className="label">Model</span>
            <input
              {...fields.field("model_settings.model")}
              value={draft.model}
              onChange={(e) => edit({ model: e.target.value }, "model_settings.model")}
              placeholder="server default"
            />
            <FieldError error={fields.error("model_settings.model")} />
          </label>
          <label className="field field-inline">
            <span className="label">Temperature</span>
            <input
              {...fields.field("model_settings.temperature")}
              inputMode="decimal"
              value={draft.temperature}
              onChange={(e) => edit({ temperature: e.target.value }, "model_settings.temperature")}
              placeholder="0–2"
              size={6}
            />
            <FieldError error={fields.error("model_settings.temperature")} />
          </label>
          <label className="field field-inline">
            <span className="label">Max iterations</span>
            <input
              {...fields.field("model_settings.max_iterations")}
              inputMode="numeric"
              value={draft.maxIterations}
              onChange={(e) => edit({ maxIterations: e.target.value }, "model_settings.max_iterations")}
              placeholder="1–50"
              size={6}
            />
            <FieldError error={fields.error("model_settings.max_iterations")} />
          </label>
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend>Tools</legend>
        {TOOLS.map((t) => (
          <label key={t.tool} className="checkbox">
            <input
              type="checkbox"
              checked={draft.tools.includes(t.tool)}
              onChange={(e) => setDraft({ ...draft, tools: toggle(draft.tools, t.tool, e.target.checked) })}
            />
            <span>
              {t.label} <span className="hint">{t.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <PickList
        legend="Knowledge bases it reads"
        what="knowledge bases"
        query={knowledgeBases}
        selected={draft.knowledgeBaseIds}
        onChange={(knowledgeBaseIds) => setDraft({ ...draft, knowledgeBaseIds })}
        empty={<Link to="/knowledge-bases">Create a knowledge base</Link>}
      />
      <PickList
        legend="Connectors it may call"
        what="connectors"
        query={connectors}
        selected={draft.connectorIds}
        onChange={(connectorIds) => setDraft({ ...draft, connectorIds })}
        empty={<Link to="/connectors">Add a connector</Link>}
      />
    </FormDialog>
  );
}

export function AgentsPage() {
  const pager = useCursorPager();
  const utils = trpc.useUtils();
  const agents = trpc.agents.list.useQuery({ limit: 20, cursor: pager.cursor });
  const remove = trpc.agents.delete.useMutation({ onSuccess: () => void utils.agents.list.invalidate() });
  return (
    <ResourcePage
      title="Agents"
      description="An agent is a set of instructions, tools and sources that Chat can run as."
      noun="agent"
      query={agents}
      pager={pager}
      empty={{
        title: "No agents yet",
        text: "An agent gives Chat instructions, tools and knowledge of its own; until then Chat uses the default assistant.",
        action: "Create your first agent",
      }}
      card={(agent) => (
        <>
          <h3>{agent.name}</h3>
          {agent.description && <p>{agent.description}</p>}
          <span className="hint">
            Tools: {agent.tools.length ? agent.tools.join(", ") : "none"} · {agent.knowledge_base_ids.length} knowledge
            base{agent.knowledge_base_ids.length === 1 ? "" : "s"} · {agent.connector_ids.length} connector
            {agent.connector_ids.length === 1 ? "" : "s"} · updated <RelativeTime iso={agent.updated_at} />
          </span>
        </>
      )}
      editor={(agent, close) => <AgentDialog agent={agent} onClose={close} />}
      remove={remove}
      removeWarning={<p>Conversations with it stay; new runs can no longer use it.</p>}
    />
  );
}
