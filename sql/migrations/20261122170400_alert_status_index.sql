-- Alert lists filtered by an open status (GET /alerts?status=acknowledged, ?status=snoozed) in
-- index order: the open alerts of a tenant by (status, created_at desc, id desc). Without it such
-- a page walks alerts_tenant_recent past every alert of the tenant until it finds 50 acknowledged
-- ones (on 100,000 alerts with 20 acknowledged: ~50 ms; with it: under 1 ms). Partial (open alerts
-- only), so resolved alerts, the bulk of a tenant's history, cost it nothing; the API passes the
-- statuses as literals, so the planner can prove the predicate also in a cached generic plan.

create index alerts_tenant_open_status_recent on public.alerts (tenant_id, status, created_at desc, id desc)
  where status <> 'resolved';
comment on index public.alerts_tenant_open_status_recent is
  'Pages of open alerts of one status, newest first (GET /alerts?status=acknowledged).';
