-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "rateLimitRequests" INTEGER,
ADD COLUMN     "rateLimitWindowSeconds" INTEGER;

-- AlterTable
ALTER TABLE "ApiKeyUsageDay" ADD COLUMN     "rateLimited" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "refused" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "Revocation" (
    "seq" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Revocation_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "ServerSetting" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServerSetting_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "Revocation_createdAt_idx" ON "Revocation"("createdAt");

