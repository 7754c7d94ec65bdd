// Routes: the login page (and forgotten passwords), and everything else behind a live session (admin pages behind the
// admin role as well; the server refuses them to others regardless).
import type { ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Layout, PageHeader } from "./components/Layout.tsx";
import { ReauthDialog } from "./components/ReauthDialog.tsx";
import { Loading, Notice } from "./components/Status.tsx";
import { useAuth } from "./lib/auth.tsx";
import { session } from "./lib/session.ts";
import { AgentsPage } from "./pages/AgentsPage.tsx";
import { AdminAuditPage } from "./pages/admin/AdminAuditPage.tsx";
import { AdminKeysPage } from "./pages/admin/AdminKeysPage.tsx";
import { AdminUsersPage } from "./pages/admin/AdminUsersPage.tsx";
import { ConnectorsPage } from "./pages/ConnectorsPage.tsx";
import { ChatPage } from "./pages/chat/ChatPage.tsx";
import { ForgotPasswordPage } from "./pages/ForgotPasswordPage.tsx";
import { KnowledgeBasesPage } from "./pages/KnowledgeBasesPage.tsx";
import { LoginPage } from "./pages/LoginPage.tsx";
import { ResetPasswordPage } from "./pages/ResetPasswordPage.tsx";
import { ApiKeysPage } from "./pages/settings/ApiKeysPage.tsx";
import { PasswordPage } from "./pages/settings/PasswordPage.tsx";
import { SecurityPage } from "./pages/settings/SecurityPage.tsx";
import { SessionsPage } from "./pages/settings/SessionsPage.tsx";

function RequireSession({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "unknown") return <Loading label="Checking your session…" />;
  if (status !== "active") {
    if (session.signedOutHere) return <Navigate to="/login?signed_out=1" replace />;
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}${status === "ended" ? "&ended=1" : ""}`} replace />;
  }
  return <>{children}</>;
}

function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  if (user?.role !== "admin") {
    return (
      <>
        <PageHeader title="Not available" />
        <Notice kind="error">This page is for administrators. Your account does not have access to it.</Notice>
      </>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>There is nothing at this address. Use the navigation to find your way.</p>
    </>
  );
}

export function App() {
  return (
    <>
      <AppRoutes />
      {/* Sudo mode: asks for the password when a sensitive change needs it, then lets it go on. */}
      <ReauthDialog />
    </>
  );
}

function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<Navigate to="/settings/api-keys" replace />} />
        {/* One route with an optional segment: a new conversation getting its id keeps the page (and its stream). */}
        <Route path="/chat/:conversationId?" element={<ChatPage />} />
        <Route path="/agents" element={<AgentsPage />} />
        <Route path="/knowledge-bases" element={<KnowledgeBasesPage />} />
        <Route path="/connectors" element={<ConnectorsPage />} />
        <Route path="/settings" element={<Navigate to="/settings/api-keys" replace />} />
        <Route path="/settings/api-keys" element={<ApiKeysPage />} />
        <Route path="/settings/sessions" element={<SessionsPage />} />
        <Route path="/settings/password" element={<PasswordPage />} />
        <Route path="/settings/security" element={<SecurityPage />} />
        <Route
          path="/admin"
          element={
            <RequireAdmin>
              <Navigate to="/admin/users" replace />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/users"
          element={
            <RequireAdmin>
              <AdminUsersPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/keys"
          element={
            <RequireAdmin>
              <AdminKeysPage />
            </RequireAdmin>
          }
        />
        <Route
          path="/admin/audit"
          element={
            <RequireAdmin>
              <AdminAuditPage />
            </RequireAdmin>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
