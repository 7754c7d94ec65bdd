-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "allowedIps" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "lastUsedIp" TEXT;

