-- AlterTable (SQLite adds a NOT NULL column with a constant default in place, without copying the table)
ALTER TABLE "Message" ADD COLUMN "steps" TEXT NOT NULL DEFAULT '{}';
