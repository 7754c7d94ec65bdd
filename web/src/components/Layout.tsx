// The signed-in frame: a skip link, the navigation (Admin only for administrators), the
// account menu, and the page.

import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router-dom";
import { useAuth } from "../lib/auth.tsx";
import { Brand } from "./Brand.tsx";
import { ExpiringKeysBanner } from "./ExpiringKeysBanner.tsx";
import { ThemeSelect } from "./ThemeSelect.tsx";

const MAIN_LINKS = [
  { to: "/chat", label: "Chat" },
  { to: "/agents", label: "Agents" },
  { to: "/knowledge-bases", label: "Knowledge bases" },
  { to: "/connectors", label: "Connectors" },
];
const SETTINGS_LINKS = [
  { to: "/settings/api-keys", label: "API Keys" },
  { to: "/settings/sessions", label: "Sessions" },
  { to: "/settings/password", label: "Password" },
  { to: "/settings/security", label: "Security" },
];
const ADMIN_LINKS = [
  { to: "/admin/users", label: "Users" },
  { to: "/admin/keys", label: "All keys" },
  { to: "/admin/audit", label: "Audit log" },
];

function LinkGroup({ title, links }: { title?: string; links: { to: string; label: string }[] }) {
  return (
    <div className="nav-group">
      {title && <h2 className="nav-title">{title}</h2>}
      <ul>
        {links.map((link) => (
          <li key={link.to}>
            <NavLink to={link.to} className="nav-link">
              {link.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Layout() {
  const { user, signOut } = useAuth();
  const [menuOpen, setMenuOpen] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const location = useLocation();

  // biome-ignore lint/correctness/useExhaustiveDependencies: close the phone menu on every navigation
  useEffect(() => setMenuOpen(false), [location.pathname]);

  async function handleSignOut(everywhere: boolean) {
    setSigningOut(true);
    try {
      await signOut({ everywhere });
    } finally {
      setSigningOut(false);
    }
  }

  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon-button menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span>
          <span className="sr-only">Menu</span>
        </button>
        <Brand />
        <div className="account">
          <span className="account-email" title={user?.email}>
            {user?.email}
          </span>
          {user?.role === "admin" && <span className="badge badge-admin">Admin</span>}
          <button
            type="button"
            className="button button-small"
            onClick={() => handleSignOut(false)}
            disabled={signingOut}
          >
            Log out
          </button>
        </div>
      </header>
      <nav id="sidebar" className={`sidebar ${menuOpen ? "open" : ""}`} aria-label="Main">
        <LinkGroup links={MAIN_LINKS} />
        <LinkGroup title="Settings" links={SETTINGS_LINKS} />
        {user?.role === "admin" && <LinkGroup title="Admin" links={ADMIN_LINKS} />}
        <div className="nav-group nav-footer">
          <ThemeSelect />
          <button
            type="button"
            className="button button-small button-ghost"
            onClick={() => handleSignOut(true)}
            disabled={signingOut}
          >
            Log out everywhere
          </button>
        </div>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <ExpiringKeysBanner />
        <Outlet />
      </main>
    </div>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: React.ReactNode;
  actions?: React.ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · FIM One`;
  }, [title]);
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="page-description">{description}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}
