// Knowledge bases: placeholder until the resource's procedures are in place.
import { PageHeader } from "../components/Layout.tsx";

export function KnowledgeBasesPage() {
  return <PageHeader title="Knowledge bases" description="Coming soon." />;
}
