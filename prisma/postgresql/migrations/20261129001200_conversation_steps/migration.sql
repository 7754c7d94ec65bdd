-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "steps" TEXT NOT NULL DEFAULT '{}';

