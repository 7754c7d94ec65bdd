-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT NOT NULL DEFAULT '[]',
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "expiresAt" DATETIME,
    "lastUsedAt" DATETIME,
    "totalRequests" INTEGER NOT NULL DEFAULT 0,
    "previousHash" TEXT,
    "previousExpiresAt" DATETIME,
    "rolledAt" DATETIME,
    "rateLimitRequests" INTEGER,
    "rateLimitWindowSeconds" INTEGER,
    "allowedIps" TEXT NOT NULL DEFAULT '[]',
    "lastUsedIp" TEXT,
    CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ApiKey" ("createdAt", "expiresAt", "hash", "id", "isActive", "lastUsedAt", "name", "prefix", "previousExpiresAt", "previousHash", "rateLimitRequests", "rateLimitWindowSeconds", "rolledAt", "scopes", "totalRequests", "updatedAt", "userId") SELECT "createdAt", "expiresAt", "hash", "id", "isActive", "lastUsedAt", "name", "prefix", "previousExpiresAt", "previousHash", "rateLimitRequests", "rateLimitWindowSeconds", "rolledAt", "scopes", "totalRequests", "updatedAt", "userId" FROM "ApiKey";
DROP TABLE "ApiKey";
ALTER TABLE "new_ApiKey" RENAME TO "ApiKey";
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");
CREATE UNIQUE INDEX "ApiKey_previousHash_key" ON "ApiKey"("previousHash");
CREATE INDEX "ApiKey_userId_createdAt_idx" ON "ApiKey"("userId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

