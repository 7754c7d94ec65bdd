// Every REST route, in one list: mounted by the app, documented by /api/openapi.json and walked
// by the scope matrix test.
import type { AnyRoute } from "../route.ts";
import { adminRoutes } from "./admin.ts";
import { agentRoutes } from "./agents.ts";
import { authRoutes } from "./auth.ts";
import { connectorRoutes } from "./connectors.ts";
import { conversationRoutes } from "./conversations.ts";
import { knowledgeBaseRoutes } from "./knowledgeBases.ts";
import { meRoutes } from "./me.ts";
import { mfaRoutes } from "./mfa.ts";
import { runRoutes } from "./runs.ts";
import { systemRoutes } from "./system.ts";

export const routes: AnyRoute[] = [
  ...systemRoutes,
  ...authRoutes,
  ...meRoutes,
  ...mfaRoutes,
  ...conversationRoutes,
  ...runRoutes,
  ...agentRoutes,
  ...knowledgeBaseRoutes,
  ...connectorRoutes,
  ...adminRoutes,
];
