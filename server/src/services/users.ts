// User accounts: creation, lookup, password changes, and the first-run admin.
import { randomBytes } from "node:crypto";
import { type Prisma, textContains, textContainsIsExact, uniqueViolation } from "@fim/db";
import { PASSWORD_MIN_LENGTH, type PasswordHasher } from "../auth/passwords.ts";
import type { Principal } from "../auth/scopes.ts";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import type { Role, User } from "../contracts/users.ts";
import { notFound, validationError } from "../errors.ts";
import { type PageRequest, pageArgs, toPage } from "./paging.ts";

export const userSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabled: true,
  createdAt: true,
} satisfies Prisma.UserSelect;

export type UserRow = Prisma.UserGetPayload<{ select: typeof userSelect }>;

export function toPublicUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role === "admin" ? "admin" : "user",
    disabled: row.disabled,
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * The caller's own account, from their credential: what getUser would read, without the read. The
 * credential cache forgets a user's entries whenever their role or state changes, and a disabled
 * account never authenticates.
 */
export function callerAccount(principal: Principal): User {
  const { id, email, name, role, createdAt } = principal.user;
  return { id, email, name, role, disabled: false, created_at: createdAt.toISOString() };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function assertPasswordStrength(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw validationError("password", `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
}

export async function createUser(
  ctx: AppContext,
  input: { email: string; password: string; name?: string; role?: Role },
): Promise<User> {
  assertPasswordStrength(input.password);
  const email = normalizeEmail(input.email);
  const taken = () => validationError("email", "a user with this email already exists");
  const existing = await ctx.db.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) throw taken();
  // The check above answers most duplicates before hashing; two creations at once both pass it,
  // and the unique index decides (on either database).
  const passwordHash = await ctx.passwords.hash(input.password);
  const row = await ctx.db.user
    .create({ data: { email, name: input.name ?? "", role: input.role ?? "user", passwordHash }, select: userSelect })
    .catch((error: unknown) => {
      throw uniqueViolation(error)?.includes("email") ? taken() : error;
    });
  return toPublicUser(row);
}

export async function getUser(ctx: AppContext, id: string): Promise<User> {
  const row = await ctx.db.user.findUnique({ where: { id }, select: userSelect });
  if (!row) throw notFound("User");
  return toPublicUser(row);
}

export async function findUserByEmail(ctx: AppContext, email: string): Promise<User | null> {
  const row = await ctx.db.user.findUnique({ where: { email: normalizeEmail(email) }, select: userSelect });
  return row ? toPublicUser(row) : null;
}

export async function setPassword(ctx: AppContext, userId: string, password: string): Promise<void> {
  assertPasswordStrength(password);
  await ctx.db.user.update({ where: { id: userId }, data: { passwordHash: await ctx.passwords.hash(password) } });
}

export async function listUsers(
  ctx: AppContext,
  query: PageRequest & { search?: string },
): Promise<{ items: User[]; next_cursor: string | null }> {
  const search = query.search?.trim().toLowerCase();
  const provider = ctx.config.databaseProvider;
  const where: Prisma.UserWhereInput = search
    ? { OR: [{ email: textContains(provider, search) }, { name: textContains(provider, search) }] }
    : {};
  // Where the filter matches more than the text (SQLite, `%` or `_` in it), each row is checked
  // here, and a page is filled from the rows after it.
  const holdsSearch = (row: UserRow) =>
    !search ||
    textContainsIsExact(provider, search) ||
    row.email.includes(search) ||
    row.name.toLowerCase().includes(search);
  const rows: UserRow[] = [];
  let cursor = query.cursor;
  while (rows.length <= query.limit) {
    const batch = await ctx.db.user.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      ...pageArgs({ limit: query.limit, cursor }),
      select: userSelect,
    });
    rows.push(...batch.filter(holdsSearch));
    cursor = batch.at(-1)?.id;
    if (batch.length <= query.limit) break;
  }
  return toPage(rows, query, toPublicUser);
}

/** The start-up admin's email and password, with the password's hash already under way. */
export interface StartupAdmin {
  email: string;
  password: string;
  /** Made up here (then printed once), rather than ADMIN_PASSWORD. */
  generated: boolean;
  passwordHash: Promise<string>;
}

/**
 * The credentials ensureAdmin will store, hashed from now on: ADMIN_EMAIL and ADMIN_PASSWORD when
 * set; otherwise, for a database known to be new (so without users), a random password. The hash
 * (argon2id at the configured cost: tens of milliseconds on a thread of its own) then runs while
 * the rest of the start opens the database. Undefined when ensureAdmin may need no hash at all.
 */
export function startupAdmin(
  config: Pick<Config, "adminEmail" | "adminPassword">,
  passwords: PasswordHasher,
  options: { newDatabase: boolean },
): StartupAdmin | undefined {
  const { adminEmail, adminPassword } = config;
  if (adminEmail && adminPassword) return hashing(normalizeEmail(adminEmail), adminPassword, false, passwords);
  return options.newDatabase ? firstRunAdmin(config, passwords) : undefined;
}

/** The admin of an empty database without ADMIN_PASSWORD: ADMIN_EMAIL or admin@localhost, a random password. */
function firstRunAdmin(config: Pick<Config, "adminEmail">, passwords: PasswordHasher): StartupAdmin {
  const email = normalizeEmail(config.adminEmail ?? "admin@localhost");
  return hashing(email, randomBytes(12).toString("base64url"), true, passwords);
}

function hashing(email: string, password: string, generated: boolean, passwords: PasswordHasher): StartupAdmin {
  const passwordHash = passwords.hash(password);
  // Awaited by ensureAdmin; a start that fails before then must not end on this promise instead.
  passwordHash.catch(() => undefined);
  return { email, password, generated, passwordHash };
}

/**
 * Start-up account provisioning. With ADMIN_EMAIL and ADMIN_PASSWORD set, that admin is created
 * or brought up to date. Otherwise, on an empty database, an admin with a random password is
 * created and the credentials are returned once so the caller can print them. `prepared`: what
 * startupAdmin began earlier in the start.
 */
export async function ensureAdmin(
  ctx: AppContext,
  prepared?: StartupAdmin,
): Promise<{ email: string; password: string } | null> {
  const admin = prepared ?? startupAdmin(ctx.config, ctx.passwords, { newDatabase: false });
  if (admin && !admin.generated) {
    const { email } = admin;
    const passwordHash = await admin.passwordHash;
    // Servers sharing a database (PostgreSQL) may start together: Prisma runs this upsert as one
    // INSERT … ON CONFLICT (a unique `where` whose value `create` repeats), so none of them fails.
    await ctx.db.user.upsert({
      where: { email },
      create: { email, name: "Administrator", role: "admin", passwordHash },
      update: { role: "admin", disabled: false, passwordHash },
    });
    return null;
  }
  if ((await ctx.db.user.count()) > 0) return null;
  const { email, password, passwordHash } = admin ?? firstRunAdmin(ctx.config, ctx.passwords);
  try {
    await ctx.db.user.create({
      data: { email, name: "Administrator", role: "admin", passwordHash: await passwordHash },
    });
  } catch (error) {
    // Another server starting on the same empty database created it (and printed its password).
    if (uniqueViolation(error)?.includes("email")) return null;
    throw error;
  }
  return { email, password };
}
