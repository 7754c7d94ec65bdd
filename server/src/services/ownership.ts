// The one ownership rule: a resource is reachable through its owner only. Someone else's thing
// answers exactly like a missing one (not_found), so ids reveal nothing.
import { notFound } from "../errors.ts";

/** `row` when it exists and belongs to `ownerId` (null: any owner, for administrators); else not_found. */
export function ownedBy<Row extends { userId: string }>(row: Row | null, ownerId: string | null, what: string): Row {
  if (!row || (ownerId !== null && row.userId !== ownerId)) throw notFound(what);
  return row;
}
