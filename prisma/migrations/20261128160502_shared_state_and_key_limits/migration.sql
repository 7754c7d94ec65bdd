-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN "rateLimitRequests" INTEGER;
ALTER TABLE "ApiKey" ADD COLUMN "rateLimitWindowSeconds" INTEGER;

-- CreateTable
CREATE TABLE "Revocation" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ServerSetting" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiKeyUsageDay" (
    "apiKeyId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "refused" INTEGER NOT NULL DEFAULT 0,
    "rateLimited" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("apiKeyId", "day"),
    CONSTRAINT "ApiKeyUsageDay_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ApiKeyUsageDay" ("apiKeyId", "count", "day") SELECT "apiKeyId", "count", "day" FROM "ApiKeyUsageDay";
DROP TABLE "ApiKeyUsageDay";
ALTER TABLE "new_ApiKeyUsageDay" RENAME TO "ApiKeyUsageDay";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Revocation_createdAt_idx" ON "Revocation"("createdAt");

