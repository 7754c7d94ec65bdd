// Agents: a name, instructions, model settings, and the tools, knowledge bases and connectors
// they may use.
import { id, instant, z } from "./common.ts";

export const AGENT_TOOLS = ["kb_retrieve", "connector_call", "calculator"] as const;
export type AgentTool = (typeof AGENT_TOOLS)[number];
export const MAX_AGENT_NAME_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 2000;
export const MAX_INSTRUCTIONS_CHARS = 20_000;
export const MAX_LINKED = 50;

export const agentTool = z.enum(AGENT_TOOLS).meta({ id: "AgentTool" });

export const modelSettings = z
  .strictObject({
    model: z.string().max(200).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_iterations: z.number().int().min(1).max(50).optional(),
  })
  .meta({
    id: "ModelSettings",
    description: "Model overrides for runs with this agent",
    example: { model: "gpt-4o-mini", temperature: 0.2 },
  });
export type ModelSettings = z.infer<typeof modelSettings>;

const idList = z.array(id).max(MAX_LINKED);

const agentFields = {
  name: z.string().max(MAX_AGENT_NAME_CHARS),
  description: z.string().max(MAX_DESCRIPTION_CHARS).optional(),
  instructions: z.string().max(MAX_INSTRUCTIONS_CHARS).optional(),
  model_settings: modelSettings.optional(),
  tools: z
    .array(agentTool)
    .max(AGENT_TOOLS.length * 2)
    .optional(),
  knowledge_base_ids: idList.optional().meta({ description: "Your own knowledge bases the agent may search" }),
  connector_ids: idList.optional().meta({ description: "Your own connectors the agent may call" }),
};

export const createAgentBody = z.strictObject(agentFields);
export type AgentInput = z.infer<typeof createAgentBody>;

export const updateAgentBody = z
  .strictObject({ ...agentFields, name: agentFields.name.optional() })
  .meta({ description: "Lists and model_settings given here replace the old ones" });

export const agent = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    instructions: z.string(),
    model_settings: modelSettings,
    tools: z.array(agentTool),
    knowledge_base_ids: z.array(z.string()),
    connector_ids: z.array(z.string()),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: "Agent" });
export type Agent = z.infer<typeof agent>;
