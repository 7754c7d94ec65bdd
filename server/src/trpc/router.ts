// The portal's API: every procedure the web app may call. The web app imports the `AppRouter`
// type from here (and nothing else from the server).

import { keysRouter, meProcedure, passwordRouter, sessionsRouter } from "./routers/account.ts";
import { adminRouter } from "./routers/admin.ts";
import { authRouter } from "./routers/auth.ts";
import { chatRouter, conversationsRouter } from "./routers/chat.ts";
import { mfaRouter } from "./routers/mfa.ts";
import { agentsRouter, connectorsRouter, knowledgeBasesRouter } from "./routers/resources.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  me: meProcedure,
  keys: keysRouter,
  sessions: sessionsRouter,
  password: passwordRouter,
  mfa: mfaRouter,
  agents: agentsRouter,
  knowledgeBases: knowledgeBasesRouter,
  connectors: connectorsRouter,
  conversations: conversationsRouter,
  chat: chatRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;

/** Every action the audit log records, for the portal to word each one (a new one fails its typecheck until it does). */
export type { AuditAction } from "../services/audit.ts";
