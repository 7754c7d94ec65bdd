-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Document" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "knowledgeBaseId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "contentBytes" INTEGER NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'text',
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Document_knowledgeBaseId_fkey" FOREIGN KEY ("knowledgeBaseId") REFERENCES "KnowledgeBase" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- Backfill: the UTF-8 size of each stored document (SQLite keeps text as UTF-8, so the blob length is it).
INSERT INTO "new_Document" ("content", "contentBytes", "createdAt", "format", "id", "knowledgeBaseId", "metadata", "title") SELECT "content", length(CAST("content" AS BLOB)), "createdAt", "format", "id", "knowledgeBaseId", "metadata", "title" FROM "Document";
DROP TABLE "Document";
ALTER TABLE "new_Document" RENAME TO "Document";
CREATE INDEX "Document_knowledgeBaseId_createdAt_idx" ON "Document"("knowledgeBaseId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

