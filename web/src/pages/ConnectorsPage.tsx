// Connectors: placeholder until the resource's procedures are in place.
import { PageHeader } from "../components/Layout.tsx";

export function ConnectorsPage() {
  return <PageHeader title="Connectors" description="Coming soon." />;
}
