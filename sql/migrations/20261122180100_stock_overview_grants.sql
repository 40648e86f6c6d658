-- Stock overview grants: anon gets execute on new public functions by default privileges, and
-- 20261122180000_stock_overview.sql revoked it only from public. Anonymous callers never have a
-- tenant, so the function answered them nothing; now they may not call it at all.
revoke all on function public.stock_overview(uuid) from anon;
