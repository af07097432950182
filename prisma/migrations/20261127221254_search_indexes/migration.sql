-- CreateIndex
CREATE INDEX "connections_ip_address_idx" ON "connections"("ip_address");

-- CreateIndex
CREATE INDEX "ppp_sessions_address_idx" ON "ppp_sessions"("address");
