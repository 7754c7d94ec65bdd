// What does the thinking in a run: the model the react loop talks to, and the dag loop's planner,
// step worker and analyst. Either the offline rules or the configured OpenAI-compatible model; the
// choice is a field of the AppContext, so a server may be given another (tests give one they hold).
import type { Config } from "../config.ts";
import { type DagBrain, modelDagBrain } from "./dag.ts";
import { OfflineModel, offlineDagBrain } from "./offline.ts";
import { OpenAICompatibleModel } from "./openai.ts";
import type { AgentProfile } from "./profile.ts";
import type { RunScope } from "./scope.ts";
import type { EngineTurns } from "./turns.ts";
import type { ChatModel } from "./types.ts";

export interface Engine {
  /** The react loop's model; its name is reported as the run's `model`. */
  model: ChatModel;
  /** The dag loop's brain, for a run with these tools. */
  dagBrain(scope: Pick<RunScope, "profile" | "toolbox">): DagBrain;
}

/**
 * The engine that answers as an agent. An engine that works in this process (the offline rules)
 * takes its steps through the server's turns, so that runs share the event loop fairly.
 */
export type EngineChoice = (profile: AgentProfile, turns: EngineTurns) => Engine;

/** The offline engine, or with LLM_BASE_URL set, the provider's model (an agent may name its own). */
export function configuredEngine(llm: Config["llm"]): EngineChoice {
  return (profile, turns) => {
    if (!llm) {
      const model = new OfflineModel(profile, turns);
      return {
        model,
        dagBrain: (scope) => offlineDagBrain(profile, new Set(scope.toolbox.specs.map((spec) => spec.name)), turns),
      };
    }
    const model = new OpenAICompatibleModel({
      baseUrl: llm.baseUrl,
      apiKey: llm.apiKey,
      model: profile.model ?? llm.model,
      temperature: profile.temperature,
    });
    return { model, dagBrain: (scope) => modelDagBrain(model, scope) };
  };
}
