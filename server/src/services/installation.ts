// Facts about the installation that every instance must agree on. Instances of one deployment
// share JWT_SECRET and API_KEY_SECRET; one started with other secrets would refuse every token
// and key the others issued, silently. So the database keeps a fingerprint of the secrets it was
// first used with (an HMAC of a fixed text under each secret: it reveals nothing of the secret),
// and a server whose secrets do not match refuses to start, saying which one differs.
import { createHmac } from "node:crypto";
import { uniqueViolation } from "@fim/db";
import type { AppContext } from "../context.ts";

export class SecretsMismatchError extends Error {
  override name = "SecretsMismatchError";
}

function fingerprint(secret: string): string {
  return createHmac("sha256", secret).update("fim-one secret fingerprint v1").digest("hex");
}

/** The stored fingerprint for `name`, recorded now if this is the first start that sets it. */
async function recorded(ctx: AppContext, name: string, value: string): Promise<string> {
  const existing = await ctx.db.serverSetting.findUnique({ where: { name } });
  if (existing) return existing.value;
  try {
    await ctx.db.serverSetting.create({ data: { name, value } });
    return value;
  } catch (error) {
    // Another instance starting at the same moment recorded it first: compare with theirs.
    if (!uniqueViolation(error)) throw error;
    return (await ctx.db.serverSetting.findUniqueOrThrow({ where: { name } })).value;
  }
}

/** Throws SecretsMismatchError when this server's secrets are not the database's. */
export async function checkSecrets(ctx: AppContext): Promise<void> {
  const secrets = [
    { env: "JWT_SECRET", name: "jwt_secret_fingerprint", value: fingerprint(ctx.config.jwtSecret) },
    { env: "API_KEY_SECRET", name: "api_key_secret_fingerprint", value: fingerprint(ctx.config.apiKeySecret) },
  ];
  const differing: string[] = [];
  for (const secret of secrets) {
    if ((await recorded(ctx, secret.name, secret.value)) !== secret.value) differing.push(secret.env);
  }
  if (differing.length > 0) {
    throw new SecretsMismatchError(
      `${differing.join(" and ")} ${differing.length > 1 ? "differ" : "differs"} from the secret this database was ` +
        "first used with (the database keeps a fingerprint of each, never the secret). Every instance of a " +
        "deployment needs the same JWT_SECRET and API_KEY_SECRET; with others this server would refuse every " +
        "token and key the rest issued.",
    );
  }
}
