-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Document" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "knowledgeBaseId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "contentBytes" INTEGER NOT NULL,
    "contentLength" INTEGER NOT NULL,
    "ready" BOOLEAN NOT NULL DEFAULT true,
    "format" TEXT NOT NULL DEFAULT 'text',
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Document_knowledgeBaseId_fkey" FOREIGN KEY ("knowledgeBaseId") REFERENCES "KnowledgeBase" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
-- Backfill. contentBytes: SQLite keeps text as UTF-8, so the blob length is the size. contentLength:
-- length() counts code points, the server UTF-16 units; they differ only for characters outside
-- the Basic Multilingual Plane (2 units, 1 code point). Existing documents are complete: ready.
INSERT INTO "new_Document" ("content", "contentBytes", "contentLength", "ready", "createdAt", "format", "id", "knowledgeBaseId", "metadata", "title") SELECT "content", length(CAST("content" AS BLOB)), length("content"), true, "createdAt", "format", "id", "knowledgeBaseId", "metadata", "title" FROM "Document";
DROP TABLE "Document";
ALTER TABLE "new_Document" RENAME TO "Document";
CREATE INDEX "Document_knowledgeBaseId_createdAt_idx" ON "Document"("knowledgeBaseId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

