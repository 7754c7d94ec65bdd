// Agents: placeholder until the resource's procedures are in place.
import { PageHeader } from "../components/Layout.tsx";

export function AgentsPage() {
  return <PageHeader title="Agents" description="Coming soon." />;
}
