-- Demo data for the local stack (and `supabase db reset` on a dev project): idempotent, so it
-- can be re-applied whenever it changes. The demo tenant and users match local/demo.ts.
--
-- The demo tenant, its stores, products, inventory and forecasts arrive with the alert engine's
-- tables; until then there is nothing to seed.
select 1;
